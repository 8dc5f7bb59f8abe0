import path from 'node:path';
import { loadSharp } from '../io/sharp.js';
import { ensureWritableDir, makeDirs, writeFileAtomic } from '../io/atomic.js';
import { toUint16 } from '../io/depth-file.js';
import { writePng16 } from '../io/png16.js';
import type { Intrinsics } from '../metrics/tae.js';
import type { RgbImage } from '../metrics/types.js';
import { createEncoder } from '../video/encode.js';
import type { FfmpegChoice } from '../video/backend/types.js';
import { intrinsicsFromFov, poseAt, poseMatrix, type Motion, type Pose } from './camera.js';
import { formatIntrinsics, formatPoses } from './calib.js';
import { renderFrame } from './render.js';
import { buildScene, type Scene, type SceneName } from './scene.js';

export interface SynthOptions {
  scene: SceneName;
  frames: number;
  width: number;
  height: number;
  fps: number;
  /** Horizontal field of view in degrees. */
  fov: number;
  seed: number;
  motion: Motion;
  /** Also write frames/NNNNNN.png (RGB) and the train/val lists that point at them. */
  saveFrames: boolean;
  /** Which FFmpeg encodes video.mp4 (default auto). */
  ffmpeg?: FfmpegChoice;
}

/** Depth PNG values are millimetres. */
export const DEPTH_SCALE = 1000;

export interface SynthPlan {
  scene: Scene;
  K: Intrinsics;
  poses: Pose[];
}

/** Everything the renderer needs, before any pixel is drawn (the tests reproject with it). */
export function planSynth(o: Pick<SynthOptions, 'scene' | 'frames' | 'width' | 'height' | 'fov' | 'seed' | 'motion'>): SynthPlan {
  const scene = buildScene(o.scene, o.seed);
  const poses = Array.from({ length: o.frames }, (_, i) => poseAt(o.motion, scene.rig, o.frames > 1 ? i / (o.frames - 1) : 0));
  return { scene, K: intrinsicsFromFov(o.width, o.height, o.fov), poses };
}

export interface SynthFiles {
  dir: string;
  video: string;
  depth: string;
  frames?: string;
  poses: string;
  intrinsics: string;
  train?: string;
  val?: string;
  meta: string;
}

const frameName = (i: number): string => `${String(i).padStart(6, '0')}.png`;

async function writeRgbPng(file: string, rgb: RgbImage): Promise<void> {
  const sharp = await loadSharp();
  const png = await sharp(rgb.data, { raw: { width: rgb.width, height: rgb.height, channels: 3 } }).png().toBuffer();
  await writeFileAtomic(file, png);
}

/** Last 20% of the frames (at least one when there are two or more) go to validation. */
export function splitCounts(n: number): { train: number; val: number } {
  const val = n >= 2 ? Math.max(1, Math.round(0.2 * n)) : 0;
  return { train: n - val, val };
}

/**
 * Renders a synth sequence into `dir`: video.mp4, depth/NNNNNN.png (uint16 millimetres of z-depth, 0 = sky),
 * poses.txt, intrinsics.txt, optionally frames/ with train.txt and val.txt, and meta.json last.
 */
export async function writeSynth(dir: string, o: SynthOptions, onFrame?: (index: number) => void): Promise<SynthFiles> {
  const plan = planSynth(o);
  const files: SynthFiles = {
    dir,
    video: path.join(dir, 'video.mp4'),
    depth: path.join(dir, 'depth'),
    frames: o.saveFrames ? path.join(dir, 'frames') : undefined,
    poses: path.join(dir, 'poses.txt'),
    intrinsics: path.join(dir, 'intrinsics.txt'),
    meta: path.join(dir, 'meta.json'),
  };
  await ensureWritableDir(dir);
  await makeDirs(files.depth);
  if (files.frames) await makeDirs(files.frames);

  const encoder = await createEncoder(files.video, { width: o.width, height: o.height, fps: o.fps, ffmpeg: o.ffmpeg });
  try {
    for (let i = 0; i < o.frames; i++) {
      const { rgb, depth } = renderFrame(plan.scene, plan.poses[i], plan.K, o.width, o.height);
      await encoder.write(rgb.data);
      await writePng16(path.join(files.depth, frameName(i)), toUint16(depth, DEPTH_SCALE), o.width, o.height);
      if (files.frames) await writeRgbPng(path.join(files.frames, frameName(i)), rgb);
      onFrame?.(i);
    }
    await encoder.close();
  } catch (err) {
    await encoder.abort();
    throw err;
  }

  await writeFileAtomic(files.poses, formatPoses(plan.poses.map(poseMatrix)));
  await writeFileAtomic(files.intrinsics, formatIntrinsics(plan.K));
  if (files.frames) {
    const lines = Array.from({ length: o.frames }, (_, i) => `frames/${frameName(i)} depth/${frameName(i)}\n`);
    const { train } = splitCounts(o.frames);
    files.train = path.join(dir, 'train.txt');
    files.val = path.join(dir, 'val.txt');
    await writeFileAtomic(files.train, lines.slice(0, train).join(''));
    await writeFileAtomic(files.val, lines.slice(train).join(''));
  }
  const meta = {
    generator: 'depthkit synth',
    scene: o.scene,
    seed: o.seed,
    motion: o.motion,
    width: o.width,
    height: o.height,
    fps: o.fps,
    fov_deg: o.fov,
    frame_count: o.frames,
    depth_scale: DEPTH_SCALE,
    depth: 'z-depth (metres along the optical axis, not ray length) x depth_scale, uint16 PNG; 0 = no surface (sky)',
    intrinsics: { ...plan.K, file: 'intrinsics.txt', layout: 'fx fy cx cy (pixels; pixel centres at integers)' },
    poses: { file: 'poses.txt', layout: 'camera-to-world 3x4 [R|t] row-major per line (KITTI odometry); camera x right, y down, z forward' },
    split: files.frames ? { train: 'train.txt', val: 'val.txt', val_fraction: 0.2 } : null,
  };
  await writeFileAtomic(files.meta, JSON.stringify(meta, null, 2) + '\n');
  return files;
}

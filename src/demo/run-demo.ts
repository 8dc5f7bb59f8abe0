import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureWritableDir } from '../io/atomic.js';
import { writeSynth } from '../synth/write.js';
import type { FfmpegChoice } from '../video/backend/types.js';
import { writeRandomClip } from '../model/random-clip.js';
import { runVideo, type VideoRunResult } from '../video/run-video.js';
import { writeVideoPlots } from '../report/plots.js';
import { writeReport } from '../report/report.js';
import { writeConstantDepth, writeFlickeredDepth } from './sources.js';

/**
 * The demo checkpoint shipped in fixtures/: a tiny CLIP-architecture model (random, frozen encoder; mirror and
 * decoder trained by `npm run demo:train` on synth rooms). It is a demonstration of the pipeline, not the paper's
 * ViT-B/16 model. Its CLIP weights are regenerated from this seed, bit-identical to the ones it was trained with.
 */
export const DEMO_CHECKPOINT = fileURLToPath(new URL('../../fixtures/demo/demo-tiny.safetensors', import.meta.url));
export const DEMO_CLIP_SEED = 1;
export const DEMO_SCENE = { scene: 'room', motion: 'forward', frames: 24, width: 160, height: 120, fps: 12, fov: 70, seed: 42 } as const;
export const FLICKER_AMPLITUDE = 0.1;

export interface DemoResult {
  out: string;
  video: VideoRunResult;
  report: string;
}

/**
 * synth -> video with four depth sources (demo model, flickered ground truth, a constant map, ground truth) -> CSVs,
 * plots, report.
 */
export async function runDemo(out: string, opts: { log?: (line: string) => void; onFrame?: (done: number, total: number) => void; ffmpeg?: FfmpegChoice } = {}): Promise<DemoResult> {
  const log = opts.log ?? (() => {});
  await ensureWritableDir(out);
  log('rendering a synthetic room with exact depth and camera poses (depthkit synth)');
  const synth = await writeSynth(path.join(out, 'synth'), { ...DEMO_SCENE, saveFrames: false, ffmpeg: opts.ffmpeg });
  const clip = path.join(out, 'demo-clip-tiny.safetensors');
  await writeRandomClip(clip, 'tiny', DEMO_CLIP_SEED);
  const flickered = path.join(out, 'gt-flicker');
  await writeFlickeredDepth(synth.depth, flickered, FLICKER_AMPLITUDE, 7);
  const constant = path.join(out, 'constant');
  await writeConstantDepth(synth.depth, constant);
  log('scoring four depth sources on it (depthkit video)');
  const video = await runVideo({
    video: synth.video,
    out: path.join(out, 'video'),
    loadModel: async () => (await import('../model/engine.js')).loadDepthModel({ checkpoint: DEMO_CHECKPOINT, clip, backend: 'auto' }),
    modelName: 'demo-tiny',
    depth: [`gt-flicker=${flickered}`, `constant=${constant}`, `ground-truth=${synth.depth}`],
    depthScale: 1000,
    gt: synth.depth,
    gtScale: 1000,
    poses: synth.poses,
    intrinsics: synth.intrinsics,
    maxDepth: 20,
    onFrame: opts.onFrame,
    ffmpeg: opts.ffmpeg,
    command: 'depthkit demo',
  });
  await writeVideoPlots(video.out);
  const { out: report } = await writeReport([video.out], { out: path.join(out, 'report.html') });
  return { out, video, report };
}

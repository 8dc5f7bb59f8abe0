import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import Papa from 'papaparse';
import { encodeNpy } from '../../src/io/npy.js';
import type { RgbImage } from '../../src/metrics/types.js';
import type { FfmpegChoice } from '../../src/video/backend/types.js';
import { ROOT } from './cli.js';

/*
 * Clips made at test time whose frames carry their own index: frame k is a flat gray of level 16 + 3k (k < 80), so a
 * decoded picture says which source frame it is, whatever the container did to the timestamps.
 */

export const level = (k: number) => 16 + 3 * k;
export function ffmpeg(...args: string[]): void {
  execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...args]);
}

export function ffprobe(...args: string[]): string {
  return execFileSync('ffprobe', ['-hide_banner', '-v', 'error', ...args], { encoding: 'utf8' });
}

/**
 * A gray-ramp clip: `n` frames (w x h, default 32x32) at `rate`, given to ffmpeg as raw rgb24 (any size, exact
 * levels), `vf` applied (e.g. setpts, setsar), then encoded with `codec`.
 */
export function grayClip(file: string, n: number, codec: string[], o: { size?: string; rate?: number; vf?: string } = {}): string {
  const [w, h] = (o.size ?? '32x32').split('x').map(Number);
  const raw = Buffer.alloc(n * w * h * 3);
  for (let k = 0; k < n; k++) raw.fill(level(k), k * w * h * 3, (k + 1) * w * h * 3);
  execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${w}x${h}`, '-r', String(o.rate ?? 10), '-i', '-',
    ...(o.vf ? ['-vf', o.vf] : []), '-frames:v', String(n), ...codec, file], { input: raw });
  return file;
}

/** The source frame a decoded picture of grayClip is (its mean gray level), or -1 when it is not a flat ramp level. */
export function sourceFrame(rgb: RgbImage): number {
  let sum = 0;
  for (const v of rgb.data) sum += v;
  const mean = sum / rgb.data.length;
  const k = Math.round((mean - 16) / 3);
  return Math.abs(mean - level(k)) < 1.3 ? k : -1;
}

/** Frames ffprobe decodes (`-count_frames`), the independent count the decoders must reach. */
export function ffprobeFrames(file: string): number {
  return Number(ffprobe('-select_streams', 'v:0', '-count_frames', '-show_entries', 'stream=nb_read_frames', '-of', 'csv=p=0', file).trim().split(/[,\n]/)[0]);
}

/** Presentation times (seconds) of the frames ffmpeg decodes, with -copyts, from its showinfo filter. */
export function ffmpegFrameTimes(file: string): number[] {
  const out = spawnSync('ffmpeg', ['-hide_banner', '-copyts', '-i', file, '-map', '0:v:0', '-vf', 'showinfo', '-fps_mode', 'passthrough', '-f', 'null', '-'], { encoding: 'utf8' }).stderr;
  return [...out.matchAll(/pts_time:\s*(-?[\d.]+)/g)].map((m) => Number(m[1]));
}

/** Zeroes the payload of the given packets (their container framing intact), so that exactly those frames fail to decode. */
export async function corruptPackets(file: string, packets: number[]): Promise<void> {
  const rows = ffprobe('-select_streams', 'v:0', '-show_entries', 'packet=pos,size', '-of', 'json', file);
  const list = (JSON.parse(rows) as { packets: { pos: string; size: string }[] }).packets;
  const bytes = await fs.readFile(file);
  for (const k of packets) bytes.fill(0, Number(list[k].pos), Number(list[k].pos) + Number(list[k].size));
  await fs.writeFile(file, bytes);
}

/** A folder of 32x32 (or w x h) float32 .npy maps: file `name(k)` holds the value `value(k)` everywhere. */
export async function depthFolder(dir: string, n: number, o: { name?: (k: number) => string; value?: (k: number) => number; width?: number; height?: number } = {}): Promise<string> {
  await fs.mkdir(dir, { recursive: true });
  const w = o.width ?? 32;
  const h = o.height ?? 32;
  for (let k = 0; k < n; k++) {
    const data = new Float32Array(w * h).fill((o.value ?? ((i) => 1 + i))(k));
    await fs.writeFile(path.join(dir, (o.name ?? ((i) => `${String(i).padStart(6, '0')}.npy`))(k)), encodeNpy(data, [h, w]));
  }
  return dir;
}

export async function readCsv(file: string): Promise<Record<string, string>[]> {
  return Papa.parse<Record<string, string>>(await fs.readFile(file, 'utf8'), { header: true, skipEmptyLines: true }).data;
}

/** The backends a decode test runs against: the system ffmpeg always, the embedded one where this build has it. */
export const BACKENDS: FfmpegChoice[] = ['system', ...(existsSync(path.join(ROOT, 'src/video/backend/index.ts')) ? (['embedded'] as const) : [])];

/** Issue 20's decoding cases, made in `dir`. Each clip's frame k (counted in the source, before any cut) is level(k). */
export interface Cases {
  /** MJPEG AVI, 24 frames at 10 fps; packets 5, 9 and 10 zeroed: those frames cannot decode. */
  corrupt: string;
  /** H.264 MKV, 40 frames: 0..0.4 s every 0.1 s, then every 0.3 s (frame k >= 4 at 0.4 + 0.3 (k - 4)). */
  vfr: string;
  /** H.264 MP4 with B-frames cut at 0.75 s without re-encoding: an edit list, discarded packets, frame 0 = source frame 6 or earlier. */
  editList: string;
  /** Fragmented MP4 (30 frames, a fragment per 5) cut in the middle of packet 24, as a killed recording. */
  killed: string;
  /** Raw elementary streams, 24 frames each. */
  h264: string;
  /** MPEG-4 part 2 with B-frames in AVI, 24 frames: AVI stores no pts for some of its packets. */
  aviB: string;
  hevc: string;
  mjpeg: string;
  /** One PNG (level 16: frame 0). */
  still: string;
  /** H.264 MP4, 70 frames at 10 fps. */
  long: string;
}

export async function makeCases(dir: string): Promise<Cases> {
  const p = (name: string) => path.join(dir, name);
  const x264 = ['-c:v', 'libx264', '-pix_fmt', 'yuv420p'];
  const corrupt = grayClip(p('corrupt.avi'), 24, ['-c:v', 'mjpeg', '-q:v', '2']);
  await corruptPackets(corrupt, [5, 9, 10]);
  const vfr = grayClip(p('vfr.mkv'), 40, [...x264, '-fps_mode', 'vfr'], { vf: "setpts='if(lt(N,5),N,4+(N-4)*3)'" });
  const source = grayClip(p('source.mp4'), 30, [...x264, '-bf', '2', '-g', '12']);
  const editList = p('edit-list.mp4');
  ffmpeg('-ss', '0.75', '-i', source, '-c', 'copy', editList);
  const frag = grayClip(p('frag.mp4'), 30, [...x264, '-g', '5', '-movflags', 'frag_keyframe+empty_moov']);
  const packets = (JSON.parse(ffprobe('-select_streams', 'v:0', '-show_entries', 'packet=pos,size', '-of', 'json', frag)) as { packets: { pos: string; size: string }[] }).packets;
  const killed = p('killed.mp4');
  const bytes = await fs.readFile(frag);
  await fs.writeFile(killed, bytes.subarray(0, Number(packets[24].pos) + Math.floor(Number(packets[24].size) / 2)));
  return {
    corrupt,
    vfr,
    editList,
    killed,
    h264: grayClip(p('raw.h264'), 24, [...x264, '-bf', '2', '-f', 'h264']),
    aviB: grayClip(p('bframes.avi'), 24, ['-c:v', 'mpeg4', '-bf', '2', '-q:v', '2']),
    hevc: grayClip(p('raw.hevc'), 24, ['-c:v', 'libx265', '-x265-params', 'log-level=none', '-pix_fmt', 'yuv420p', '-f', 'hevc']),
    mjpeg: grayClip(p('raw.mjpeg'), 24, ['-c:v', 'mjpeg', '-q:v', '2', '-f', 'mjpeg']),
    still: grayClip(p('still.png'), 1, ['-update', '1']),
    long: grayClip(p('long.mp4'), 70, x264),
  };
}

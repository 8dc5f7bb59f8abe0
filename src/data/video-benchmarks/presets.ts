import { DepthkitError } from '../../errors.js';

/**
 * The video depth benchmarks as Video Depth Anything's benchmark/ runs them (eval/eval.py, eval/eval_tae.py and
 * dataset_extract/*.py, commit 4f5ae23172ba60fd7bc11ef671cca678842c7072), which follow DepthCrafter's protocol.
 */
export const VIDEO_BENCHMARKS = ['sintel', 'scannet', 'kitti-video', 'bonn', 'nyuv2-video', 'scannet-tae'] as const;
export type VideoBenchmark = (typeof VIDEO_BENCHMARKS)[number];

/** `video`: the ~110-frame windows "like DepthCrafter" (eval.sh); `500`: the ~500-frame windows (eval_500.sh). */
export const WINDOWS = ['video', '500'] as const;
export type WindowName = (typeof WINDOWS)[number];

/** Python slice bounds (negative = from the end), rows a:b and columns c:d as eval.py's args.a..d. */
export interface SliceCrop {
  top: number;
  bottom: number;
  left: number;
  right: number;
}

/** Which frames of a sequence: gen_json's images[start:end:step], then eval's [first:first+cap]. */
export interface FrameWindow {
  /** The list dataset_extract writes for this window, in the dataset's folder. */
  json: string;
  start: number;
  end: number;
  step: number;
  /** eval.py's max_eval_len / eval_tae.py's start_idx:end_idx, applied after the list. */
  first: number;
  cap: number;
}

export interface BenchmarkPreset {
  name: VideoBenchmark;
  /** Folder of the dataset in the reference layout; also the json key and the predictions' sub-folder. */
  folder: string;
  maxDepth: number;
  crop: SliceCrop;
  windows: Partial<Record<WindowName, FrameWindow>>;
  /** eval_tae.py: TAE with the dataset's intrinsics and poses, predictions made on uncropped frames (--hard_crop). */
  tae: boolean;
  /** eval_tae.py's eval_scenes_num: only the first N sequences of the list. */
  sequences?: number;
}

const full = (height: number, width: number): SliceCrop => ({ top: 0, bottom: height, left: 0, right: width });
const win = (json: string, start: number, end: number, step: number, cap: number, first = 0): FrameWindow => ({ json, start, end, step, first, cap });
const SCANNET_CROP = { top: 8, bottom: -8, left: 11, right: -11 };

export const PRESETS: Record<VideoBenchmark, BenchmarkPreset> = {
  sintel: { name: 'sintel', folder: 'sintel', maxDepth: 70, crop: full(436, 1024), tae: false, windows: { video: win('sintel_video.json', 0, 100, 1, 100) } },
  scannet: {
    name: 'scannet', folder: 'scannet', maxDepth: 10, crop: SCANNET_CROP, tae: false,
    windows: { video: win('scannet_video.json', 0, 270, 3, 90), 500: win('scannet_video_500.json', 0, 500, 1, 500) },
  },
  'kitti-video': {
    name: 'kitti-video', folder: 'kitti', maxDepth: 80, crop: full(374, 1242), tae: false,
    windows: { video: win('kitti_video.json', 0, 110, 1, 110), 500: win('kitti_video_500.json', 0, 500, 1, 500) },
  },
  bonn: {
    name: 'bonn', folder: 'bonn', maxDepth: 10, crop: full(480, 640), tae: false,
    windows: { video: win('bonn_video.json', 30, 140, 1, 110), 500: win('bonn_video_500.json', 0, 500, 1, 500) },
  },
  // The reference evaluates NYUv2 only on its 500-frame list (nyuv2_500 in eval.py).
  'nyuv2-video': { name: 'nyuv2-video', folder: 'nyuv2', maxDepth: 10, crop: { top: 45, bottom: 471, left: 41, right: 601 }, tae: false, windows: { 500: win('nyuv2_video_500.json', 0, 500, 1, 500) } },
  // eval_tae.sh: frames 10:180 of the 192-frame TAE list, the first 20 scenes.
  'scannet-tae': { name: 'scannet-tae', folder: 'scannet', maxDepth: 10, crop: SCANNET_CROP, tae: true, sequences: 20, windows: { video: win('scannet_video_tae.json', 0, 192, 1, 170, 10) } },
};

/** `--dataset a,b,c` -> the presets in the order given; undefined when the list names no video benchmark. */
export function parseVideoBenchmarks(text: string): VideoBenchmark[] | undefined {
  const names = text.split(',').map((s) => s.trim()).filter(Boolean);
  if (!names.some((n) => (VIDEO_BENCHMARKS as readonly string[]).includes(n))) return undefined;
  const bad = names.find((n) => !(VIDEO_BENCHMARKS as readonly string[]).includes(n));
  if (bad) throw new DepthkitError(`--dataset: "${bad}" is not a video benchmark (${VIDEO_BENCHMARKS.join(', ')}); kitti and nyu run alone`);
  if (new Set(names).size !== names.length) throw new DepthkitError(`--dataset names a benchmark twice: ${text}`);
  return names as VideoBenchmark[];
}

/** The window a preset runs under `--window`; NYUv2 has only its 500-frame list and the TAE set only its own. */
export function presetWindow(preset: BenchmarkPreset, window: WindowName): FrameWindow {
  const w = preset.windows[window] ?? (preset.name === 'nyuv2-video' || preset.tae ? Object.values(preset.windows)[0] : undefined);
  if (!w) throw new DepthkitError(`${preset.name}: the reference has no ${window}-frame window (it has ${Object.keys(preset.windows).join(', ')})`);
  return w;
}

/** Python slice bounds resolved against a size. */
export function resolveCrop(crop: SliceCrop, width: number, height: number) {
  const at = (v: number, n: number) => Math.max(0, Math.min(n, v < 0 ? n + v : v));
  const c = { top: at(crop.top, height), bottom: at(crop.bottom, height), left: at(crop.left, width), right: at(crop.right, width) };
  return { ...c, width: Math.max(0, c.right - c.left), height: Math.max(0, c.bottom - c.top) };
}

export const formatCrop = (c: SliceCrop) => `rows ${c.top}:${c.bottom} cols ${c.left}:${c.right}`;

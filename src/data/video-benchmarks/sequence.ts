import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Intrinsics } from '../../metrics/tae.js';
import type { VideoBenchmark } from './presets.js';
import { naturalCompare } from '../../io/numbered-files.js';

/** One frame of a benchmark sequence: where its ground truth is and how to name its prediction. */
export interface BenchmarkFrame {
  /** The RGB frame's path relative to the dataset folder; predictions are named after it (.npy in place of the extension). */
  image: string;
  /** Absolute path of the ground-truth depth (.png 16-bit, .npy or Sintel .dpt). */
  gt: string;
  /** Raw ground-truth values are divided by this (the json's `factor`). */
  factor: number;
  /** Camera-to-world, row-major 4x4, where the dataset has poses. */
  pose?: Float64Array;
  K?: Intrinsics;
}

export interface BenchmarkSequence {
  dataset: VideoBenchmark;
  name: string;
  frames: BenchmarkFrame[];
  /** What was read, for error lines ("sintel/sintel_video.json", "scannet native layout"). */
  source: string;
  /** The dataset folder the frames' `image` paths are relative to (set by listBenchmarkSequences). */
  root?: string;
  /** Set once the window is applied: the window's first frame in the listed sequence, and the list's length. */
  offset?: number;
  listed?: number;
}


/** Files in `dir` with one of `exts`, in natural order; undefined when the folder does not exist. */
export async function listFrames(dir: string, exts: readonly string[]): Promise<string[] | undefined> {
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
    throw err;
  }
  return names.filter((n) => exts.includes(path.extname(n).toLowerCase())).sort(naturalCompare);
}

/** Sub-folders of `dir`, sorted. */
export async function listDirs(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { withFileTypes: true });
  return entries.filter((e) => e.isDirectory()).map((e) => e.name).sort();
}

export async function exists(file: string): Promise<boolean> {
  return fs.stat(file).then(() => true, () => false);
}

/** gen_json's images[start:end:step]. */
export function pySlice<T>(items: readonly T[], start: number, end: number, step: number): T[] {
  const out: T[] = [];
  for (let i = start; i < Math.min(end, items.length); i += step) out.push(items[i]);
  return out;
}

/** fx, fy, cx, cy of a 3x3 or 4x4 row-major intrinsic matrix given as rows. */
export function intrinsicsOf(rows: readonly (readonly number[])[]): Intrinsics {
  return { fx: rows[0][0], fy: rows[1][1], cx: rows[0][2], cy: rows[1][2] };
}

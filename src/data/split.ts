import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DepthkitError, FormatError } from '../errors.js';
import { checkRelativePath } from '../io/safe-path.js';

/** The split lists shipped in splits/ (same relative path from src/data and dist/data). */
export const SPLITS_DIR = fileURLToPath(new URL('../../splits/', import.meta.url));

export type SplitName = 'eigen' | 'eigen_benchmark';
export const SPLIT_NAMES: readonly SplitName[] = ['eigen', 'eigen_benchmark'];

/** One image of a benchmark split. Paths are relative to --data-path (rgb) and --gt-path (gt). */
export interface SplitEntry {
  /** The prediction name: the rgb path with '/' replaced by '_' and its extension dropped. Unique in a split. */
  name: string;
  rgb: string;
  gt: string;
}

export interface SplitList {
  file: string;
  /** Entries with ground truth, in the list's order. */
  entries: SplitEntry[];
  /** Lines whose ground truth is `None` (BTS KITTI Eigen: 45 of 697): not evaluated, counted. */
  noGt: number;
}

export function entryName(rgb: string): string {
  return rgb.slice(0, rgb.length - path.extname(rgb).length).replaceAll('/', '_');
}

const lines = (text: string) => text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '');

/** BTS lists: `rgb gt focal` per line, gt `None` where the image has no ground truth. */
export function parseBtsSplit(text: string, file: string): SplitList {
  const entries: SplitEntry[] = [];
  let noGt = 0;
  for (const [i, line] of lines(text).entries()) {
    const [rgb, gt] = line.split(/\s+/);
    if (!rgb || !gt) throw new FormatError(file, `line ${i + 1}: expected "rgb_path gt_path [focal]", got "${line}"`);
    checkRelativePath(rgb, file, `line ${i + 1}`);
    if (gt === 'None') noGt++;
    else {
      checkRelativePath(gt, file, `line ${i + 1}`);
      entries.push({ name: entryName(rgb), rgb, gt });
    }
  }
  return { file, entries, noGt };
}

/**
 * Monodepth2 lists: `2011_09_26/2011_09_26_drive_0002_sync 69 l`. Side l is camera image_02, r image_03; the frame
 * number is zero-padded to 10 digits; the ground truth sits at the BTS path of the same frame
 * (`<drive>_sync/proj_depth/groundtruth/image_0X/<frame>.png`), so both KITTI lists read one ground-truth tree.
 */
export function parseMonodepthSplit(text: string, file: string): SplitList {
  const entries = lines(text).map((line, i) => {
    const [folder, frame, side] = line.split(/\s+/);
    const cam = side === 'l' ? 'image_02' : side === 'r' ? 'image_03' : undefined;
    if (!folder || !/^\d+$/.test(frame ?? '') || !cam) throw new FormatError(file, `line ${i + 1}: expected "date/drive_sync frame l|r", got "${line}"`);
    checkRelativePath(folder, file, `line ${i + 1}`);
    const png = `${frame.padStart(10, '0')}.png`;
    const rgb = `${folder}/${cam}/data/${png}`;
    return { name: entryName(rgb), rgb, gt: `${path.posix.basename(folder)}/proj_depth/groundtruth/${cam}/${png}` };
  });
  return { file, entries, noGt: 0 };
}

/** Which shipped list a dataset + split reads (docs/datasets.md). */
export function splitFile(dataset: 'kitti' | 'nyu', split: SplitName): string {
  if (dataset === 'nyu') {
    if (split !== 'eigen') throw new DepthkitError(`NYU has one test split (eigen, 654 images), not ${split}`);
    return path.join(SPLITS_DIR, 'nyu_test_files_with_gt.txt');
  }
  return path.join(SPLITS_DIR, split === 'eigen' ? 'kitti_eigen_test_files_with_gt.txt' : 'kitti_eigen_benchmark_test_files.txt');
}

export async function loadSplit(dataset: 'kitti' | 'nyu', split: SplitName): Promise<SplitList> {
  const file = splitFile(dataset, split);
  const text = await fs.readFile(file, 'utf8');
  const list = split === 'eigen_benchmark' ? parseMonodepthSplit(text, file) : parseBtsSplit(text, file);
  const dup = list.entries.find((e, i) => list.entries.findIndex((o) => o.name === e.name) !== i);
  if (dup) throw new FormatError(file, `image ${dup.rgb} is listed twice`);
  return list;
}

/** 1-based indices of the NYU Eigen test images in nyu_depth_v2_labeled.mat (splits.mat testNdxs). */
export async function loadNyuTestIndices(): Promise<number[]> {
  const file = path.join(SPLITS_DIR, 'nyu_test_indices.txt');
  return lines(await fs.readFile(file, 'utf8')).map((l, i) => {
    const n = Number(l);
    if (!Number.isInteger(n) || n < 1) throw new FormatError(file, `line ${i + 1}: "${l}" is not a 1-based index`);
    return n;
  });
}

/**
 * The labeled-.mat index of a BTS NYU entry: BTS's extraction names image i (0-based) `rgb_%05d.jpg`, so
 * `bathroom/rgb_00045.jpg` is index 46 in MATLAB's 1-based numbering.
 */
export function nyuMatIndex(entry: SplitEntry): number {
  const m = /rgb_(\d+)\.\w+$/.exec(entry.rgb);
  if (!m) throw new DepthkitError(`NYU split entry ${entry.rgb} does not name an rgb_<index> image`);
  return Number(m[1]) + 1;
}

import { promises as fs } from 'node:fs';
import path from 'node:path';
import { DepthkitError } from '../errors.js';
import { checkRelativePath } from '../io/safe-path.js';
import { readDepthMap } from '../io/depth-file.js';
import { IMAGE_EXTENSIONS, readImage, resizeRgb } from '../io/image.js';
import { pairByStem } from '../data/pairs.js';
import { naturalCompare } from '../io/numbered-files.js';
import type { DepthMap, RgbImage } from '../metrics/types.js';
import { resizeNearest } from '../metrics/resize.js';

/** One RGB + depth pair on disk. */
export interface PairFiles {
  rgb: string;
  depth: string;
}

/** A pair decoded at the model's input size; depth in metres, 0 where invalid. */
export interface Sample {
  name: string;
  rgb: RgbImage;
  depth: Float32Array;
}

export interface SampleOptions {
  width: number;
  height: number;
  /** Stored depth value = metres x depthScale (1000 for millimetre PNGs). */
  depthScale: number;
  /** Ground truth counts where minDepth < d < maxDepth. */
  minDepth: number;
  maxDepth: number;
}

/**
 * A split list: one `rgb depth` pair a line, paths relative to the list's folder (synth train.txt / val.txt, BTS
 * NYU lists whose third column, the focal length, is ignored). Blank lines and `#` comments are skipped.
 */
export async function readSplitList(file: string): Promise<PairFiles[]> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new DepthkitError(code === 'ENOENT' ? 'split list not found' : `cannot read split list (${code})`, { file, cause: err });
  }
  const dir = path.dirname(file);
  const pairs: PairFiles[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const cols = line.split(/\s+/);
    if (cols.length < 2) throw new DepthkitError(`line ${i + 1}: expected 'rgb depth [focal]', got '${line}'`, { file });
    if (cols[1] === 'None') return; // KITTI Eigen lines without ground truth
    checkRelativePath(cols[0], file, `line ${i + 1}`);
    checkRelativePath(cols[1], file, `line ${i + 1}`);
    pairs.push({ rgb: path.resolve(dir, cols[0]), depth: path.resolve(dir, cols[1]) });
  });
  if (!pairs.length) throw new DepthkitError('split list names no rgb/depth pair', { file });
  return pairs;
}

/** RGB images of a folder by name stem. */
async function rgbStems(dir: string): Promise<Map<string, string>> {
  const names = await fs.readdir(dir).catch((err: unknown) => {
    throw new DepthkitError('cannot read folder', { file: dir, cause: err });
  });
  const out = new Map<string, string>();
  for (const n of names.sort(naturalCompare)) {
    const ext = path.extname(n).toLowerCase();
    if ((IMAGE_EXTENSIONS as readonly string[]).includes(ext)) out.set(n.slice(0, -ext.length), path.join(dir, n));
  }
  return out;
}

/** `--rgb <dir> --depth <dir>`: pairs by file stem; a stem on one side only is an error naming it. */
export async function pairFolders(rgbDir: string, depthDir: string): Promise<PairFiles[]> {
  const rgb = await rgbStems(rgbDir);
  // pairByStem matches depth-file extensions on both sides, so pair depth against itself and look RGB up by stem.
  const depth = (await pairByStem(depthDir, depthDir)).pairs;
  const missingRgb = depth.find((d) => !rgb.has(d.name));
  if (missingRgb) throw new DepthkitError(`no RGB image for depth '${missingRgb.name}' in ${rgbDir}`, { file: missingRgb.gt });
  const stems = new Set(depth.map((d) => d.name));
  const missingDepth = [...rgb.keys()].find((s) => !stems.has(s));
  if (missingDepth !== undefined) throw new DepthkitError(`no depth file for RGB '${missingDepth}' in ${depthDir}`, { file: rgb.get(missingDepth) });
  if (!depth.length) throw new DepthkitError('no rgb/depth pairs', { file: depthDir });
  return depth.map((d) => ({ rgb: rgb.get(d.name)!, depth: d.gt }));
}

/** Zeroes out-of-range depth; NaN, infinities and negatives are not "no data" but a broken file, hence errors. */
function checkedDepth(map: DepthMap, file: string, o: SampleOptions): DepthMap {
  let valid = 0;
  for (let i = 0; i < map.data.length; i++) {
    const d = map.data[i];
    if (!Number.isFinite(d) || d < 0) throw new DepthkitError(`depth value ${d} at pixel ${i} (expected >= 0, 0 = invalid)`, { file });
    if (d > o.minDepth && d < o.maxDepth) valid++;
    else map.data[i] = 0;
  }
  if (!valid) throw new DepthkitError(`no valid depth between ${o.minDepth} and ${o.maxDepth} m (is --depth-scale ${o.depthScale} right?)`, { file });
  return map;
}

export async function loadSample(pair: PairFiles, o: SampleOptions): Promise<Sample> {
  for (const f of [pair.rgb, pair.depth]) {
    if (!(await fs.stat(f).catch(() => undefined))?.isFile()) throw new DepthkitError('file not found', { file: f });
  }
  const image = await readImage(pair.rgb);
  const depth = checkedDepth(await readDepthMap(pair.depth, { scale: o.depthScale }), pair.depth, o);
  if (Math.abs(image.width / image.height - depth.width / depth.height) > 0.02) {
    throw new DepthkitError(`depth is ${depth.width}x${depth.height} but its RGB ${pair.rgb} is ${image.width}x${image.height}`, { file: pair.depth });
  }
  const rgb = await resizeRgb(image, o.width, o.height);
  return { name: path.basename(pair.rgb), rgb, depth: resizeNearest(depth, o.width, o.height).data };
}

/** Decodes every pair up front, so that a broken file stops the run before the first step. */
export async function loadSamples(pairs: PairFiles[], o: SampleOptions): Promise<Sample[]> {
  const out: Sample[] = [];
  for (const p of pairs) out.push(await loadSample(p, o));
  return out;
}

import { promises as fs } from 'node:fs';
import path from 'node:path';
import { DepthkitError } from '../errors.js';
import { replaceImages } from '../io/atomic.js';
import { recordedInput } from '../io/run-record.js';
import { readDepthMap } from '../io/depth-file.js';
import { IMAGE_EXTENSIONS, readImage } from '../io/image.js';
import type { CsvMeta } from '../io/csv.js';
import { pairByStem } from '../data/pairs.js';
import { applyAlignment, type AlignMode, type AlignSpace } from '../metrics/align.js';
import { sanitizePrediction } from '../metrics/accuracy.js';
import { resolveCrop, type CropName } from '../metrics/crop.js';
import { validMask } from '../metrics/mask.js';
import { resizeBilinear } from '../metrics/resize.js';
import type { DepthMap, RgbImage } from '../metrics/types.js';
import { encodePng } from './canvas.js';
import { renderStrip, type StripInput } from './strip.js';
import { optionalNumber, readRunFolder, requireKind, rowsFile, type RunFolder } from './run-folder.js';

/** One strip to draw: its name (used in the file name) and what renderStrip takes. */
export interface StripItem extends StripInput {
  name: string;
}

export interface RenderedStrip {
  /** File name under `<run>/strips/`: rank then name, so that a listing keeps the order. */
  file: string;
  name: string;
  png: Buffer;
}

export const DEFAULT_WORST_COUNT = 3;

const safeName = (name: string) => name.replace(/[^\w.-]+/g, '_');

/** Renders strips in the order given (worst first). */
export async function renderStrips(items: StripItem[]): Promise<RenderedStrip[]> {
  const out: RenderedStrip[] = [];
  for (const [i, item] of items.entries()) {
    const png = await encodePng(await renderStrip(item));
    out.push({ file: `${String(i + 1).padStart(2, '0')}_${safeName(item.name)}.png`, name: item.name, png });
  }
  return out;
}

async function saveStrips(runDir: string, strips: RenderedStrip[]): Promise<string[]> {
  return replaceImages(runDir, 'strips', strips);
}

/** Writes `<run>/strips/NN_<name>.png` for items the caller chose (worst first); returns the paths. */
export async function writeWorstStrips(runDir: string, items: StripItem[]): Promise<string[]> {
  return saveStrips(runDir, await renderStrips(items));
}

const inputFolder = (run: RunFolder, key: string) => recordedInput(run.dir, run.runJson as Record<string, unknown> | undefined, key);

/** The eval protocol as the run recorded it: per_image.csv's sidecar, else run.json's protocol. */
function protocolOf(run: RunFolder): CsvMeta {
  const fromJson = run.runJson?.protocol;
  return { ...(fromJson && typeof fromJson === 'object' ? (fromJson as CsvMeta) : {}), ...run.rows.meta };
}

const num = (v: unknown, fallback: number) => (typeof v === 'number' && Number.isFinite(v) ? v : fallback);

async function findRgb(dir: string | undefined, name: string): Promise<RgbImage | undefined> {
  if (!dir) return undefined;
  for (const ext of IMAGE_EXTENSIONS) {
    const file = path.join(dir, `${name}${ext}`);
    if (await fs.access(file).then(() => true, () => false)) return readImage(file);
  }
  return undefined;
}

/** The prediction as the metrics saw it: resized to the ground truth, the row's alignment applied, clamped. */
function evaluatedPrediction(pred: DepthMap, gt: DepthMap, row: { scale: number; shift: number }, p: CsvMeta): DepthMap {
  const resized = pred.width !== gt.width || pred.height !== gt.height ? resizeBilinear(pred, gt.width, gt.height) : pred;
  const mode = (p.align ?? 'none') as AlignMode;
  const space: AlignSpace = mode === 'median' ? 'depth' : ((p.align_space ?? 'depth') as AlignSpace);
  const minDepth = num(p.min_depth, 1e-3);
  const maxDepth = num(p.max_depth, Infinity);
  const aligned = mode === 'none'
    ? resized.data
    : applyAlignment(resized.data, { mode, space, scale: row.scale, shift: row.shift, pixels: 0, degenerate: false }, maxDepth);
  return { data: sanitizePrediction(aligned, { minDepth, maxDepth }), width: gt.width, height: gt.height };
}

/**
 * The worst `count` images of an eval run by abs_rel, re-read from the folders run.json names (inputs.pred,
 * inputs.gt, and inputs.rgb when present) with the run's protocol, rendered as strips.
 */
export async function renderEvalWorstStrips(run: RunFolder, count = DEFAULT_WORST_COUNT): Promise<RenderedStrip[]> {
  requireKind(run, 'eval');
  const [predDir, gtDir, rgbDir] = await Promise.all(['pred', 'gt', 'rgb'].map((key) => inputFolder(run, key)));
  if (!predDir || !gtDir) throw new DepthkitError('run.json names no inputs.pred and inputs.gt folders to draw strips from', { file: path.join(run.dir, 'run.json') });
  const file = rowsFile(run);
  const worst = run.rows.rows
    .map((r) => ({ name: r.name ?? '', absRel: optionalNumber(file, r, 'abs_rel') ?? NaN, scale: optionalNumber(file, r, 'align_scale') ?? 1, shift: optionalNumber(file, r, 'align_shift') ?? 0 }))
    .filter((r) => Number.isFinite(r.absRel))
    .sort((a, b) => b.absRel - a.absRel)
    .slice(0, count);
  const { pairs } = await pairByStem(predDir, gtDir);
  const byName = new Map(pairs.map((p) => [p.name, p]));
  const p = protocolOf(run);
  const minDepth = num(p.min_depth, 1e-3);
  const maxDepth = num(p.max_depth, Infinity);
  const items: StripItem[] = [];
  for (const row of worst) {
    const pair = byName.get(row.name);
    if (!pair) throw new DepthkitError(`image "${row.name}" of per_image.csv has no prediction and ground truth in ${predDir} and ${gtDir}`, { file });
    const [rawPred, gt, rgb] = await Promise.all([
      readDepthMap(pair.pred, { scale: num(p.pred_scale, 1) }),
      readDepthMap(pair.gt, { scale: num(p.gt_scale, 1) }),
      findRgb(rgbDir, row.name),
    ]);
    const dataset = p.dataset === 'kitti' || p.dataset === 'nyu' ? p.dataset : undefined;
    const crop = resolveCrop((p.crop ?? 'none') as CropName, dataset, gt.width, gt.height);
    items.push({
      name: row.name,
      title: `${row.name}: abs_rel ${row.absRel.toPrecision(4)}`,
      rgb,
      pred: evaluatedPrediction(rawPred, gt, row, p),
      gt,
      minDepth,
      maxDepth,
      mask: validMask(gt, { minDepth, maxDepth }, crop),
    });
  }
  return renderStrips(items);
}

/** Writes the worst `count` images of an eval run as `<run>/strips/NN_<name>.png`; returns the paths. */
export async function writeEvalWorstStrips(runDir: string, count = DEFAULT_WORST_COUNT): Promise<string[]> {
  return saveStrips(runDir, await renderEvalWorstStrips(await readRunFolder(runDir), count));
}

import path from 'node:path';
import { errorMessage, FormatError } from '../errors.js';
import { readDepthMap } from '../io/depth-file.js';
import { readDpt } from '../io/sintel.js';
import { resizeBilinear } from '../metrics/resize.js';
import { alignedDepth, combineMoments, fitFromMoments, frameMoments, sequenceMetrics, SEQUENCE_METRICS, type SequenceFrame, type SequenceMetricName } from '../metrics/sequence.js';
import { invert4, multiply4, reprojectionAbsRel } from '../metrics/tae.js';
import type { DepthMap } from '../metrics/types.js';
import { modelSequencePredictions, openSequencePredictions, type SequencePredictions } from '../data/video-benchmarks/predictions.js';
import type { DepthModel } from '../model/depth-model.js';
import { PRESETS, resolveCrop } from '../data/video-benchmarks/presets.js';
import type { BenchmarkSequence } from '../data/video-benchmarks/index.js';
import { mapConcurrent } from './concurrency.js';

/** One row of sequences.csv. */
export type SequenceRow = { dataset: string; sequence: string; frames: number; tae: number; align_scale: number; align_shift: number } & Record<SequenceMetricName, number>;

export const SEQUENCE_COLUMNS = ['dataset', 'sequence', 'frames', ...SEQUENCE_METRICS, 'tae', 'align_scale', 'align_shift'] as const;

export interface SequenceEvalSettings {
  /** Folder of prediction files, or the built-in model (its depth is inverted: predKind must be 'depth'). */
  pred: string;
  model?: DepthModel;
  predKind: 'depth' | 'disparity';
  /** Skip frames without a prediction, as the reference does; otherwise a missing one is an error. */
  allowMissing: boolean;
  /** TAE keeps the nearest point a pixel (true) or the last written, as the reference's scatter on CPU. */
  zbuffer: boolean;
  concurrency: number;
  onFrame?: () => void;
}

async function readGt(file: string, factor: number): Promise<DepthMap> {
  return path.extname(file).toLowerCase() === '.dpt' ? readDpt(file) : readDepthMap(file, { scale: factor });
}

function cropMap(map: DepthMap, c: ReturnType<typeof resolveCrop>): Float32Array {
  if (c.width === map.width && c.height === map.height) return map.data;
  const out = new Float32Array(c.width * c.height);
  for (let y = 0; y < c.height; y++) out.set(map.data.subarray((c.top + y) * map.width + c.left, (c.top + y) * map.width + c.right), y * c.width);
  return out;
}

/** Reads, crops and sizes one frame's ground truth and prediction as eval.py / eval_tae.py do. */
async function readFrame(seq: BenchmarkSequence, i: number, s: SequenceEvalSettings, preds: SequencePredictions) {
  const preset = PRESETS[seq.dataset];
  const ref = seq.frames[i];
  let pred = await preds.frame(i);
  if (!pred) {
    if (s.allowMissing) return undefined;
    throw new FormatError(preds.where(i), `${seq.dataset}/${seq.name}: prediction missing (--allow-missing skips such frames, as the reference does)`);
  }
  const gtFull = await readGt(ref.gt, ref.factor).catch((err: unknown) => {
    const missing = (err as { message?: string }).message?.includes('ENOENT') || (err as NodeJS.ErrnoException).code === 'ENOENT';
    throw new FormatError(ref.gt, `${seq.dataset}/${seq.name}: ground truth ${missing ? 'missing' : errorMessage(err)}`, err);
  });
  const crop = resolveCrop(preset.crop, gtFull.width, gtFull.height);
  if (crop.width === 0 || crop.height === 0) throw new FormatError(ref.gt, `${seq.dataset}: ${gtFull.width}x${gtFull.height} is smaller than the crop`);
  const gt = cropMap(gtFull, crop);
  // eval_tae.py --hard_crop: predictions made on the uncropped frame are cropped like the ground truth.
  if (preset.tae && pred.width === gtFull.width && pred.height === gtFull.height) pred = { data: cropMap(pred, crop), width: crop.width, height: crop.height };
  let data = pred.width === crop.width && pred.height === crop.height ? pred.data : resizeBilinear(pred, crop.width, crop.height).data;
  if (s.predKind === 'depth') data = Float32Array.from(data, (d) => (d > 0 ? 1 / d : 0));
  const frame: SequenceFrame = { pred: data, gt };
  s.onFrame?.();
  return { frame, moments: frameMoments(frame, preset.maxDepth), width: crop.width, height: crop.height, K: ref.K, pose: ref.pose };
}

/** TAE over consecutive frames after the sequence fit (eval_tae.py: K of the first frame of each pair, crop not shifted into K). */
function sequenceTae(read: NonNullable<Awaited<ReturnType<typeof readFrame>>>[], fit: ReturnType<typeof fitFromMoments>, maxDepth: number, zbuffer: boolean): number {
  if (read.length < 2 || read.some((f) => !f.K || !f.pose)) return NaN;
  let total = 0;
  let next = alignedDepth(read[0].frame.pred, fit, maxDepth);
  for (let i = 0; i + 1 < read.length; i++) {
    const d1 = next;
    const d2 = alignedDepth(read[i + 1].frame.pred, fit, maxDepth);
    const { width, height, K } = read[i];
    const t21 = multiply4(invert4(read[i + 1].pose!), read[i].pose!);
    total += reprojectionAbsRel(d1, d2, width, height, t21, K!, undefined, zbuffer);
    total += reprojectionAbsRel(d2, d1, width, height, invert4(t21), K!, undefined, zbuffer);
    next = d2;
  }
  return (100 * total) / (2 * (read.length - 1));
}

export async function evaluateSequence(seq: BenchmarkSequence, s: SequenceEvalSettings): Promise<SequenceRow> {
  const preset = PRESETS[seq.dataset];
  const preds = s.model ? await modelSequencePredictions(s.model, seq) : await openSequencePredictions(s.pred, seq);
  const read = (await mapConcurrent(seq.frames, s.concurrency, (_, i) => readFrame(seq, i, s, preds))).filter((f) => f !== undefined);
  if (read.length === 0) throw new FormatError(preds.where(0), `${seq.dataset}/${seq.name}: no prediction for any frame`);
  const size = `${read[0].width}x${read[0].height}`;
  const odd = read.find((f) => `${f.width}x${f.height}` !== size);
  if (odd) throw new FormatError(seq.frames[read.indexOf(odd)].gt, `${seq.dataset}/${seq.name}: ground truth of another size than the sequence's first (${size})`);
  const frames = read.map((f) => f.frame);
  const fit = fitFromMoments(read.map((f) => f.moments).reduce(combineMoments));
  const metrics = sequenceMetrics(frames, fit, preset.maxDepth);
  const tae = sequenceTae(read, fit, preset.maxDepth, s.zbuffer);
  const values = Object.fromEntries(SEQUENCE_METRICS.map((m) => [m, metrics[m]])) as Record<SequenceMetricName, number>;
  return { dataset: seq.dataset, sequence: seq.name, frames: read.length, ...values, tae, align_scale: fit.scale, align_shift: fit.shift };
}

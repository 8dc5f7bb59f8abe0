import { FormatError } from '../errors.js';
import { combineMoments, fitFromMoments, metricsFromSums, SEQUENCE_METRICS, type SequenceMetricName } from '../metrics/sequence.js';
import { modelSequencePredictions, openSequencePredictions, type SequencePredictions } from '../data/video-benchmarks/predictions.js';
import type { DepthModel } from '../model/depth-model.js';
import type { BenchmarkSequence } from '../data/video-benchmarks/index.js';
import type { ChunkTask, FrameTask } from './sequence-frame.js';
import { inProcess, type FrameRunner } from './sequence-pool.js';
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
  /** Worker threads that read and compute the frames; without, this thread does. */
  runner?: FrameRunner;
  onFrame?: () => void;
}

/** Frames read again in the second pass: a few at a time, so that TAE's pairs need few frames read twice. */
const CHUNK = 8;

/** Frame i as both passes take it, or undefined when its prediction is missing and allowed to be. */
async function frameTask(seq: BenchmarkSequence, i: number, s: SequenceEvalSettings, preds: SequencePredictions): Promise<FrameTask | undefined> {
  const ref = seq.frames[i];
  // A folder's prediction is named, so that whoever reads the frame (a worker, twice) reads the file.
  const pred = preds.file ? await preds.file(i) : await preds.frame(i);
  if (!pred) {
    if (s.allowMissing) return undefined;
    throw new FormatError(preds.where(i), `${seq.dataset}/${seq.name}: prediction missing (--allow-missing skips such frames, as the reference does)`);
  }
  return { job: { dataset: seq.dataset, label: `${seq.dataset}/${seq.name}`, gt: ref.gt, factor: ref.factor, pred, predKind: s.predKind }, K: ref.K, pose: ref.pose };
}

/** Consecutive frames CHUNK at a time; with TAE each chunk also reads the next chunk's first frame, for the pair across. */
function chunks(tasks: FrameTask[], fit: ChunkTask['fit'], tae: ChunkTask['tae']): ChunkTask[] {
  const out: ChunkTask[] = [];
  for (let a = 0; a < tasks.length; a += CHUNK) {
    const end = Math.min(a + CHUNK, tasks.length);
    out.push({ frames: tasks.slice(a, tae && end < tasks.length ? end + 1 : end), scored: end - a, fit, tae });
  }
  return out;
}

export async function evaluateSequence(seq: BenchmarkSequence, s: SequenceEvalSettings): Promise<SequenceRow> {
  const preds = s.model ? await modelSequencePredictions(s.model, seq) : await openSequencePredictions(s.pred, seq);
  const runner = s.runner ?? inProcess;
  const firstPass = await mapConcurrent(seq.frames, s.concurrency, async (_, i) => {
    const task = await frameTask(seq, i, s, preds);
    if (!task) return undefined;
    const read = await runner.moments(task.job);
    s.onFrame?.();
    return { task, ...read };
  });
  const read = firstPass.filter((f) => f !== undefined);
  if (read.length === 0) throw new FormatError(preds.where(0), `${seq.dataset}/${seq.name}: no prediction for any frame`);
  const size = `${read[0].width}x${read[0].height}`;
  const odd = read.find((f) => `${f.width}x${f.height}` !== size);
  if (odd) throw new FormatError(odd.task.job.gt, `${seq.dataset}/${seq.name}: ground truth of another size than the sequence's first (${size})`);
  const fit = fitFromMoments(read.map((f) => f.moments).reduce(combineMoments));
  const tasks = read.map((f) => f.task);
  const tae = tasks.length >= 2 && tasks.every((t) => t.K && t.pose) ? { zbuffer: s.zbuffer } : undefined;
  const scored = await mapConcurrent(chunks(tasks, { scale: fit.scale, shift: fit.shift }, tae), s.concurrency, (c) => runner.chunk(c));
  const metrics = metricsFromSums(scored.flatMap((c) => c.sums));
  const taeValue = tae ? (100 * scored.reduce((a, c) => a + c.tae, 0)) / (2 * (tasks.length - 1)) : NaN;
  const values = Object.fromEntries(SEQUENCE_METRICS.map((m) => [m, metrics[m]])) as Record<SequenceMetricName, number>;
  return { dataset: seq.dataset, sequence: seq.name, frames: read.length, ...values, tae: taeValue, align_scale: fit.scale, align_shift: fit.shift };
}

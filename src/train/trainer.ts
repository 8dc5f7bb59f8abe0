import type * as tfTypes from '@tensorflow/tfjs';
import path from 'node:path';
import { DepthkitError } from '../errors.js';
import { writeCsv } from '../io/csv.js';
import type { Tensor } from '../io/safetensors.js';
import { tokenGrid, type ModelConfig } from '../model/config.js';
import { buildDepthGraph } from '../model/depth-graph.js';
import { mulberry32 } from '../util/random.js';
import { AdamW, ADAMW_DEFAULTS, type AdamWState } from './adamw.js';
import { augmentDepth, augmentRgb, drawAugmentation, IDENTITY, type Augmentation } from './augment.js';
import type { Sample } from './dataset.js';
import { FeatureCache, imageFeatures } from './features.js';
import { savePair } from './checkpoint-pair.js';
import { logTargets, silogLoss } from './loss.js';
import { EMPTY_ROW, optimPath, type RowSums } from './optim-file.js';
import { writePreview } from './preview.js';
import { batchIndices, learningRate, mixSeed } from './schedule.js';
import { TrainableTfOps } from './trainable-ops.js';
import { predictSamples, validationMetrics } from './validate.js';

export interface TrainSettings {
  steps: number;
  batchSize: number;
  lr: number;
  warmup: number;
  /** The cosine decay ends at lr * finalLrRatio. */
  finalLrRatio: number;
  weightDecay: number;
  seed: number;
  saveEvery: number;
  valEvery: number;
  flip: boolean;
  /** Colour jitter amplitude (0 = off); forced to 0 with cacheFeatures. */
  jitter: number;
  cacheFeatures: boolean;
}

export const LOG_COLUMNS = ['step', 'loss', 'lr', 'val_abs_rel', 'val_rmse', 'val_d1', 'it/s'];
export type LogRow = Record<string, number>;

export interface TrainJob {
  tf: typeof tfTypes;
  config: ModelConfig;
  /** CLIP tensors (frozen) and the starting mirror + decoder tensors. */
  clip: ReadonlyMap<string, Tensor>;
  start: ReadonlyMap<string, Tensor>;
  /** Adam state to continue from (resume), and the sums of the log row it was saved in the middle of. */
  optim?: AdamWState;
  row?: RowSums;
  train: Sample[];
  val: Sample[];
  outDir: string;
  settings: TrainSettings;
  /** Stop after this many steps in this run (a time-boxed job); the schedule still spans settings.steps. */
  stopAfter?: number;
  /** Rows of an earlier run's train_log.csv to keep (resume). */
  previousLog?: LogRow[];
  onStep?: (s: { step: number; loss: number; lr: number }) => void;
  /** Once aborted, the step in flight finishes, the state at that step is saved and training returns. */
  signal?: AbortSignal;
}

export interface TrainResult {
  step: number;
  checkpoint: string;
  optimizer: string;
  log: string;
  preview?: string;
  lastRow?: LogRow;
  /** Training steps per second, validation and checkpoint writes excluded. */
  itPerSec: number;
  /** The signal stopped training before its last step; `step` is saved, the preview is not written. */
  interrupted: boolean;
}

export const CHECKPOINT_NAME = 'checkpoint.safetensors';

/** The exit code of a run stopped by a non-finite loss (2 stays "unusable input"). */
export const DIVERGED_EXIT = 3;

/**
 * Whether `signal` has been aborted. Yields to the event loop first: signal handlers run between macrotasks, and a
 * training step awaits only microtasks, so without this an interrupt would wait for the next file write.
 */
async function stopRequested(signal?: AbortSignal): Promise<boolean> {
  await new Promise((resolve) => setImmediate(resolve));
  return signal?.aborted ?? false;
}

export async function train(job: TrainJob): Promise<TrainResult> {
  const { tf, config, settings: s } = job;
  if (!job.train.length) throw new DepthkitError('training set is empty');
  const files = {
    checkpoint: path.join(job.outDir, CHECKPOINT_NAME),
    optimizer: optimPath(path.join(job.outDir, CHECKPOINT_NAME)),
    log: path.join(job.outDir, 'train_log.csv'),
    preview: path.join(job.outDir, 'preview.png'),
  };
  const ops = new TrainableTfOps(tf, { nativeFilterGrads: tf.getBackend() === 'webgpu' });
  const graph = buildDepthGraph(ops, new Map([...job.clip, ...job.start]), config);
  const { rows, cols } = tokenGrid(config);
  // One pass creates every variable before the optimizer is built (the weight bank makes them on first use).
  tf.tidy(() => graph.decode(tf.zeros([1, rows, cols, config.clip.embedDim]), graph.conditioning()));
  const params = ops.variables;
  const opt = new AdamW(tf, params, { ...ADAMW_DEFAULTS, weightDecay: s.weightDecay });
  if (job.optim) opt.load(job.optim);
  const features = new FeatureCache(tf, (frame) => imageFeatures(tf, graph, config, [frame]));
  const jitter = s.cacheFeatures ? 0 : s.jitter;
  const { width, height } = config.inputSize;
  const px = width * height;
  const log: LogRow[] = (job.previousLog ?? []).filter((r) => r.step <= opt.step);
  // A resumed run starts from a saved checkpoint: that one is the last good one until the next save.
  let lastSaved = job.optim?.step ?? -1;
  let trainSeconds = 0;
  let stepsTimed = 0;
  // Restoring the sums makes the next row the same as in an unbroken run (its it/s aside), wherever the save fell.
  let sinceRow: RowSums = { ...(job.row ?? EMPTY_ROW) };

  // Every read is async: WebGPU in Node has no synchronous one.
  const snapshot = async (): Promise<Map<string, Tensor>> =>
    new Map(await Promise.all([...params].map(async ([n, v]): Promise<[string, Tensor]> => [n, { shape: v.shape, data: (await v.data()) as Float32Array }])));
  const save = async () => {
    await savePair(files.checkpoint, { checkpoint: { config, tensors: await snapshot() }, optim: await opt.state(), settings: s, row: sinceRow });
    lastSaved = opt.step;
  };
  const validate = async () => {
    if (!job.val.length) return { abs_rel: NaN, rmse: NaN, d1: NaN };
    return validationMetrics(await predictSamples(tf, graph, config, features, job.val, 'val:'), job.val, config.maxDepth);
  };
  const writeRow = async (lr: number) => {
    const m = await validate();
    const row = { step: opt.step, loss: sinceRow.loss / sinceRow.n, lr, val_abs_rel: m.abs_rel, val_rmse: m.rmse, val_d1: m.d1, 'it/s': sinceRow.n / sinceRow.seconds };
    log.push(row);
    sinceRow = { ...EMPTY_ROW };
    await writeCsv(files.log, log, LOG_COLUMNS);
  };

  try {
    const end = Math.min(s.steps, job.stopAfter === undefined ? Infinity : opt.step + job.stopAfter);
    let lr = 0;
    // A fresh start saves step 0 first: from then on, a kill at any moment leaves a checkpoint to --resume from.
    if (lastSaved !== opt.step) await save();
    while (opt.step < end && !(await stopRequested(job.signal))) {
      const step = opt.step;
      const t0 = performance.now();
      const idx = batchIndices(step, s.batchSize, job.train.length, s.seed);
      const augs: Augmentation[] = idx.map((_, k) => (s.flip || jitter ? drawAugmentation(mulberry32(mixSeed(s.seed, 2, step, k)), { flip: s.flip, jitter }) : IDENTITY));
      const samples = idx.map((i) => job.train[i]);
      const feats = s.cacheFeatures
        ? features.batch(idx.map((i, k) => `train:${i}:${augs[k].flip ? 1 : 0}`), (k) => augmentRgb(samples[k].rgb, augs[k]))
        : imageFeatures(tf, graph, config, samples.map((x, k) => augmentRgb(x.rgb, augs[k])));
      const depth = new Float32Array(idx.length * px);
      samples.forEach((x, k) => depth.set(augmentDepth(x.depth, width, height, augs[k]), k * px));
      const t = logTargets(depth);
      const logGt = tf.tensor4d(t.logGt, [idx.length, height, width, 1]);
      const mask = tf.tensor4d(t.mask, [idx.length, height, width, 1]);
      lr = learningRate(step, s);
      const { value, grads } = tf.variableGrads(() => silogLoss(tf, graph.decode(feats, graph.conditioning()), logGt, mask, t.count), [...params.values()]);
      const loss = (await value.data())[0];
      const named = Object.fromEntries([...params].map(([n, v]) => [n, grads[v.name]]));
      // Pairwise adds, not addN: WebGPU's AddN binds every input at once, over Vulkan's 8 storage buffers a stage.
      const sumSquares = tf.tidy(() => Object.values(named).reduce<tfTypes.Tensor>((acc, g) => tf.add(acc, tf.sum(tf.square(g))), tf.scalar(0)));
      const gradNorm = (await sumSquares.data())[0];
      sumSquares.dispose();
      tf.dispose([feats, logGt, mask, value]);
      if (!Number.isFinite(loss) || !Number.isFinite(gradNorm)) {
        tf.dispose(Object.values(grads));
        throw new DepthkitError(
          `loss became ${loss} at step ${step + 1} (lr ${lr.toPrecision(3)}); training stopped, the last good checkpoint is ${files.checkpoint} (step ${lastSaved}); lower --lr`,
          { exitCode: DIVERGED_EXIT },
        );
      }
      opt.apply(named, lr);
      tf.dispose(Object.values(grads));
      const seconds = (performance.now() - t0) / 1000;
      trainSeconds += seconds;
      stepsTimed++;
      sinceRow = { loss: sinceRow.loss + loss, n: sinceRow.n + 1, seconds: sinceRow.seconds + seconds };
      job.onStep?.({ step: opt.step, loss, lr });
      const last = opt.step === end;
      if (opt.step % s.valEvery === 0 || last) await writeRow(lr);
      if (opt.step % s.saveEvery === 0 || last) await save();
    }
    const interrupted = opt.step < end;
    if (lastSaved !== opt.step) await save(); // stopped between two saves
    let preview: string | undefined;
    if (job.val.length && !interrupted) {
      const [pred] = await predictSamples(tf, graph, config, features, job.val.slice(0, 1), 'val:');
      await writePreview(files.preview, job.val[0], pred, config.maxDepth, `${job.val[0].name} after ${opt.step} steps`);
      preview = files.preview;
    }
    return { step: opt.step, ...files, preview, lastRow: log.at(-1), itPerSec: stepsTimed / Math.max(trainSeconds, 1e-9), interrupted };
  } finally {
    features.dispose();
    opt.dispose();
    ops.dispose();
  }
}

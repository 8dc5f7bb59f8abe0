import { existsSync } from 'node:fs';
import path from 'node:path';
import { DepthkitError } from '../errors.js';
import { ensureWritableDir } from '../io/atomic.js';
import { readCsv } from '../io/csv.js';
import { chooseBackend, initTf, type BackendRequest } from '../model/backend.js';
import { initTfWebgpu, probeTfWebgpu } from '../model/tf-webgpu.js';
import { initCheckpoint, readCheckpoint, type Checkpoint } from '../model/checkpoint.js';
import { checkClipFile, loadClipWeights } from '../model/clip-weights.js';
import { configProblem, defaultModelConfig, type ClipVariant } from '../model/config.js';
import { resolveClipPath } from '../model/load-weights.js';
import type { AdamWState } from './adamw.js';
import { readCommittedPair, settlePair } from './checkpoint-pair.js';
import { loadSamples, pairFolders, readSplitList, type PairFiles } from './dataset.js';
import type { RowSums } from './optim-file.js';
import { CHECKPOINT_NAME, train, type LogRow, type TrainResult, type TrainSettings } from './trainer.js';

export interface TrainingRequest {
  /** Split list of the training pairs, or the two folders below. */
  data?: string;
  rgb?: string;
  depth?: string;
  val?: string;
  depthScale: number;
  clip?: string;
  /** Where the model starts: a checkpoint file, a fresh one (init), or out/checkpoint.safetensors (resume). */
  checkpoint?: string;
  init?: { preset?: ClipVariant; maxDepth: number; inputSize?: { width: number; height: number }; decoderChannels?: number[] };
  resume: boolean;
  out: string;
  backend: BackendRequest | 'webgpu';
  settings: TrainSettings;
  stopAfter?: number;
  onStep?: (s: { step: number; loss: number; lr: number }) => void;
  /** Stops training after the step in flight, with the state at that step saved (see trapInterrupts). */
  signal?: AbortSignal;
}

export type TrainingOutcome = TrainResult & { backend: string; train: number; val: number; startStep: number };

interface Start {
  ckpt: Checkpoint;
  optim?: AdamWState;
  row?: RowSums;
  settings: TrainSettings;
}

/** The model to start from, and on resume the optimizer state and the settings saved with it. */
async function startingPoint(r: TrainingRequest, clipFile: string): Promise<Start> {
  const sources = [r.resume, r.checkpoint !== undefined, r.init !== undefined].filter(Boolean).length;
  if (sources !== 1) throw new DepthkitError('give exactly one of --checkpoint <file>, --init or --resume');
  if (r.resume) {
    const file = path.join(r.out, CHECKPOINT_NAME);
    if (!existsSync(file)) throw new DepthkitError('nothing to resume: no checkpoint in the output folder (start with --init or --checkpoint)', { file });
    const committed = readCommittedPair(file);
    await settlePair(file, committed);
    const { settings: saved, row, ...optim } = committed.optim;
    // The saved settings keep the run reproducible; only its length may change.
    return { ckpt: committed.checkpoint, optim, row, settings: { ...(saved as unknown as TrainSettings), steps: r.settings.steps } };
  }
  if (r.checkpoint !== undefined) {
    if (!existsSync(r.checkpoint)) throw new DepthkitError('checkpoint not found (create one with depthkit model init or use --init)', { file: r.checkpoint });
    return { ckpt: readCheckpoint(r.checkpoint), settings: r.settings };
  }
  const arch = checkClipFile(clipFile);
  const init = r.init!;
  if (init.preset && init.preset !== arch.clip.variant) throw new DepthkitError(`--preset ${init.preset} but the weights are ${arch.clip.variant}`, { file: clipFile });
  const config = defaultModelConfig(arch, { maxDepth: init.maxDepth, inputSize: init.inputSize });
  if (init.decoderChannels) config.decoder.channels = init.decoderChannels;
  const problem = configProblem(config);
  if (problem) throw new DepthkitError(problem);
  return { ckpt: initCheckpoint(config, r.settings.seed), settings: r.settings };
}

async function trainPairs(r: TrainingRequest): Promise<PairFiles[]> {
  if (r.data !== undefined && (r.rgb !== undefined || r.depth !== undefined)) throw new DepthkitError('give --data <list> or --rgb/--depth folders, not both');
  if (r.data !== undefined) return readSplitList(r.data);
  if (r.rgb !== undefined && r.depth !== undefined) return pairFolders(r.rgb, r.depth);
  throw new DepthkitError('no training data: give --data <train.txt> or --rgb <dir> --depth <dir>');
}

async function previousLog(file: string): Promise<LogRow[]> {
  if (!existsSync(file)) return [];
  const table = await readCsv(file);
  return table.rows.map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, Number(v)])));
}

/** tfjs on WebGPU, or one clear line saying why not. */
async function webgpuTf(): Promise<Awaited<ReturnType<typeof initTf>>> {
  const probe = await probeTfWebgpu();
  if (!probe.available) throw new DepthkitError(`backend webgpu is not available: ${probe.detail}`);
  return initTfWebgpu();
}

/** Resolves files, loads data and weights, picks the backend, and trains. */
export async function runTraining(r: TrainingRequest): Promise<TrainingOutcome> {
  const clipFile = resolveClipPath(r.clip);
  const start = await startingPoint(r, clipFile);
  const { config } = start.ckpt;
  const clip = loadClipWeights(clipFile, config);
  const sampleOpts = { ...config.inputSize, depthScale: r.depthScale, minDepth: 1e-3, maxDepth: config.maxDepth };
  const trainSet = await loadSamples(await trainPairs(r), sampleOpts);
  const valSet = r.val === undefined ? [] : await loadSamples(await readSplitList(r.val), sampleOpts);
  await ensureWritableDir(r.out);
  const backend = r.backend === 'webgpu' ? 'webgpu' : await chooseBackend(r.backend);
  const tf = backend === 'webgpu' ? await webgpuTf() : await initTf(backend);
  const result = await train({
    tf,
    config,
    clip: clip.tensors,
    start: start.ckpt.tensors,
    optim: start.optim,
    row: start.row,
    train: trainSet,
    val: valSet,
    outDir: r.out,
    settings: start.settings,
    stopAfter: r.stopAfter,
    previousLog: r.resume ? await previousLog(path.join(r.out, 'train_log.csv')) : [],
    onStep: r.onStep,
    signal: r.signal,
  });
  return { ...result, backend, train: trainSet.length, val: valSet.length, startStep: start.optim?.step ?? 0 };
}

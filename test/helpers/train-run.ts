import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { readCsv } from '../../src/io/csv.js';
import type { Tensor } from '../../src/io/safetensors.js';
import { writeRandomClip } from '../../src/model/random-clip.js';
import { writeSynth } from '../../src/synth/write.js';
import { nextOptimPath, readCommittedPair } from '../../src/train/checkpoint-pair.js';
import { optimPath, readOptimState } from '../../src/train/optim-file.js';
import type { TrainingRequest } from '../../src/train/run-training.js';
import { CHECKPOINT_NAME, LOG_COLUMNS, type TrainSettings } from '../../src/train/trainer.js';
import type { RunningCli } from './cli.js';
import { listOutputs } from './crash.js';

/**
 * The tiny training job of the crash and interrupt tests, as CLI arguments and as the equivalent in-process request
 * (6 train + 2 val images of 32x24, tiny random CLIP, 12 steps). Saves (every 3) and log rows (every 4) interleave,
 * so that most saves fall inside a log row: resuming there has to continue the row's loss sums.
 */
export const STEPS = 12;
const VAL_EVERY = 4;

export interface TrainFixture {
  tmp: string;
  data: string;
  val: string;
  clip: string;
}

export async function makeTrainFixture(prefix: string): Promise<TrainFixture> {
  const tmp = mkdtempSync(path.join(os.tmpdir(), prefix));
  const synth = await writeSynth(path.join(tmp, 'synth'), { scene: 'room', frames: 8, width: 32, height: 24, fps: 12, fov: 70, seed: 1, motion: 'forward', saveFrames: true });
  const clip = path.join(tmp, 'clip-tiny.safetensors');
  await writeRandomClip(clip, 'tiny', 1);
  return { tmp, data: synth.train!, val: synth.val!, clip };
}

/** The settings `trainingRequestFromFlags` makes of cliArgs' flags, in its key order (the sidecar stores them as JSON). */
const SETTINGS: TrainSettings = {
  steps: STEPS, batchSize: 2, lr: 1e-2, warmup: 3, finalLrRatio: 0.01, weightDecay: 0.01, seed: 0,
  saveEvery: 3, valEvery: VAL_EVERY, flip: true, jitter: 0.1, cacheFeatures: true,
};
const INIT = { maxDepth: 10, inputSize: { width: 32, height: 24 }, decoderChannels: [32, 32, 16, 16] };

export function cliArgs(fx: TrainFixture, out: string, start: 'init' | 'resume', extra: string[] = []): string[] {
  return ['train', '--data', fx.data, '--val', fx.val, '--clip', fx.clip, '--out', out, `--${start}`, '--input-size', '32x24',
    '--decoder-channels', '32,32,16,16', '--steps', String(STEPS), '--batch-size', '2', '--lr', '1e-2', '--warmup', '3',
    '--save-every', '3', '--val-every', String(VAL_EVERY), '--backend', 'cpu', '--cache-features', ...extra];
}

export function request(fx: TrainFixture, out: string, start: 'init' | 'resume', o: Partial<TrainingRequest> = {}): TrainingRequest {
  return {
    data: fx.data, val: fx.val, depthScale: 1000, clip: fx.clip, out, backend: 'cpu', settings: SETTINGS,
    resume: start === 'resume', init: start === 'init' ? INIT : undefined, ...o,
  };
}

/** What an output folder holds, every file checked to be complete and valid. */
export interface Checked {
  files: string[];
  temps: string[];
  /** Step of the committed checkpoint + sidecar pair, when there is one. */
  step?: number;
  /** The next-name sidecar: the one resume uses (killed after the commit point), a leftover, or none. */
  next: 'matched' | 'stale' | 'none';
}

/**
 * Every file in `dir` loads: the checkpoint with a sidecar that matches it, each sidecar on its own, train_log.csv
 * with LOG_COLUMNS and only numbers, preview.png decodes. `params` gives the tensor shapes the sidecars must hold.
 */
export async function checkOutputs(dir: string, params: ReadonlyMap<string, Tensor>): Promise<Checked> {
  const { files, temps } = listOutputs(dir);
  const ckpt = path.join(dir, CHECKPOINT_NAME);
  const checked: Checked = { files, temps, next: 'none' };
  for (const name of files) {
    const file = path.join(dir, name);
    if (file === ckpt) {
      const pair = readCommittedPair(file);
      checked.step = pair.optim.step;
      if (pair.optimFile === nextOptimPath(ckpt)) checked.next = 'matched';
    } else if (file === optimPath(ckpt) || file === nextOptimPath(ckpt)) {
      readOptimState(file, params);
    } else if (name === 'train_log.csv') {
      const log = await readCsv(file);
      assert.deepEqual(log.columns, LOG_COLUMNS, file);
      for (const row of log.rows) for (const c of LOG_COLUMNS) assert.ok(Number.isFinite(Number(row[c])), `${file}: ${c}=${row[c]}`);
      const steps = log.rows.map((r) => Number(r.step));
      assert.deepEqual(steps, steps.map((_, i) => (i + 1) * VAL_EVERY), `${file}: rows at every ${VAL_EVERY} steps`);
    } else if (name === 'preview.png') {
      const { info } = await sharp(file).raw().toBuffer({ resolveWithObject: true });
      assert.ok(info.width > 0 && info.height > 0, file);
    } else {
      assert.fail(`${file}: unexpected output`);
    }
  }
  if (files.includes(path.basename(optimPath(ckpt)))) assert.ok(checked.step !== undefined, `${dir}: a settled sidecar without its checkpoint`);
  if (checked.next === 'none' && files.includes(path.basename(nextOptimPath(ckpt)))) checked.next = 'stale';
  return checked;
}

const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

/**
 * The results of a finished run, to compare runs: checkpoint, sidecar and preview bytes, the log without its it/s
 * column (wall-clock speed), and the file list.
 */
export async function outcome(dir: string) {
  const ckpt = path.join(dir, CHECKPOINT_NAME);
  const preview = path.join(dir, 'preview.png');
  const log = await readCsv(path.join(dir, 'train_log.csv'));
  return {
    files: listOutputs(dir).files,
    checkpoint: sha(ckpt),
    optimizer: sha(optimPath(ckpt)),
    preview: existsSync(preview) ? sha(preview) : undefined,
    log: log.rows.map((r) => LOG_COLUMNS.filter((c) => c !== 'it/s').map((c) => r[c])),
  };
}

/** Resolves when `ready()` holds (polled every 10 ms) or the process has exited. */
export function whenReady(run: RunningCli, ready: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    let exited = false;
    void run.done.then(() => (exited = true));
    const timer = setInterval(() => {
      if (exited || ready()) {
        clearInterval(timer);
        resolve();
      }
    }, 10);
  });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

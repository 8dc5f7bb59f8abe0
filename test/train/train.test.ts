import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeSynth } from '../../src/synth/write.js';
import { writeRandomClip } from '../../src/model/random-clip.js';
import { checkpointSpec, initCheckpoint, readCheckpoint, writeCheckpoint } from '../../src/model/checkpoint.js';
import { loadModelWeights } from '../../src/model/load-weights.js';
import { TfDepthRunner } from '../../src/model/tf-runner.js';
import { initTf } from '../../src/model/backend.js';
import { loadClipWeights } from '../../src/model/clip-weights.js';
import { buildDepthGraph } from '../../src/model/depth-graph.js';
import { TrainableTfOps } from '../../src/train/trainable-ops.js';
import { readCsv } from '../../src/io/csv.js';
import { readPng16 } from '../../src/io/png16.js';
import { readImage, resizeRgb } from '../../src/io/image.js';
import { readSplitList } from '../../src/train/dataset.js';
import { runTraining, type TrainingRequest } from '../../src/train/run-training.js';
import type { TrainSettings } from '../../src/train/trainer.js';
import { depthkit } from '../helpers/cli.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'dk-train-'));
const synth = await writeSynth(path.join(tmp, 'synth'), { scene: 'room', frames: 24, width: 64, height: 48, fps: 12, fov: 70, seed: 1, motion: 'forward', saveFrames: true });
const clip = path.join(tmp, 'clip-tiny.safetensors');
await writeRandomClip(clip, 'tiny', 1);
const sha = (f: string) => createHash('sha256').update(readFileSync(f)).digest('hex');
const clipHash = sha(clip);

// 32x24 keeps steps fast; tiny's own decoder (16,8,8,4) loses its 4-channel stage to dead ReLUs within steps.
const INIT = { maxDepth: 10, inputSize: { width: 32, height: 24 }, decoderChannels: [32, 32, 16, 16] };
const SETTINGS: TrainSettings = {
  steps: 50, batchSize: 4, lr: 1e-2, warmup: 3, finalLrRatio: 0.01, weightDecay: 0.01, seed: 0,
  saveEvery: 1000, valEvery: 25, flip: true, jitter: 0.1, cacheFeatures: true,
};
const request = (out: string, o: Partial<TrainingRequest> = {}): TrainingRequest => ({
  data: synth.train, val: synth.val, depthScale: 1000, clip, init: INIT, resume: false, out: path.join(tmp, out), backend: 'cpu', settings: SETTINGS, ...o,
});

/** AbsRel of predicting the training set's median depth everywhere, at the model input size (nearest-resized gt). */
async function medianBaseline(): Promise<number> {
  const read = async (list: string) => Promise.all((await readSplitList(list)).map(async (p) => readPng16(p.depth)));
  const valid = (d: number) => d > 1 && d < 10000; // millimetres: 1e-3 m < d < 10 m
  const all = (await read(synth.train!)).flatMap((m) => Array.from(m.data).filter(valid)).sort((a, b) => a - b);
  const median = all[all.length >> 1] / 1000;
  const perImage = (await read(synth.val!)).map((m) => {
    let s = 0;
    let n = 0;
    for (let y = 0; y < 24; y++) {
      for (let x = 0; x < 32; x++) {
        const raw = m.data[Math.floor(((y + 0.5) * m.height) / 24) * m.width + Math.floor(((x + 0.5) * m.width) / 32)];
        if (!valid(raw)) continue;
        s += Math.abs(median - raw / 1000) / (raw / 1000);
        n++;
      }
    }
    return s / n;
  });
  return perImage.reduce((a, b) => a + b, 0) / perImage.length;
}

test('training on a synth room beats the median baseline; CLIP stays bit-identical', async () => {
  const r = await runTraining(request('learn', { backend: 'wasm' }));
  const baseline = await medianBaseline();
  const log = await readCsv(r.log);
  assert.deepEqual(log.columns, ['step', 'loss', 'lr', 'val_abs_rel', 'val_rmse', 'val_d1', 'it/s']);
  assert.deepEqual(log.rows.map((x) => Number(x.step)), [25, 50]);
  const absRel = Number(log.rows[1].val_abs_rel);
  assert.ok(absRel < 0.7 * baseline, `val abs_rel ${absRel} vs median baseline ${baseline}`);
  assert.ok(existsSync(r.preview!));

  // Frozen CLIP: the weights file is untouched, the checkpoint holds only mirror + decoder, and the image tower of
  // the trained checkpoint gives bit-identical features to a fresh one.
  assert.equal(sha(clip), clipHash);
  const trained = readCheckpoint(r.checkpoint);
  assert.deepEqual([...trained.tensors.keys()], [...checkpointSpec(trained.config).keys()]);
  const tf = await initTf('cpu');
  const features = async (ckpt: string) => {
    const w = loadModelWeights({ checkpoint: ckpt, clip });
    const runner = new TfDepthRunner(tf, w.weights, w.config);
    const rgb = await resizeRgb(await readImage(path.join(synth.dir, 'frames', '000000.png')), 32, 24);
    const f = await runner.imageFeatures([rgb]);
    runner.dispose();
    return f;
  };
  const fresh = path.join(tmp, 'fresh.safetensors');
  await writeCheckpoint(fresh, initCheckpoint(trained.config, 5));
  assert.deepEqual(await features(r.checkpoint), await features(fresh));
});

test('only mirror and decoder.* become trainable variables', async () => {
  const tf = await initTf('cpu');
  const config = readCheckpoint(path.join(tmp, 'fresh.safetensors')).config;
  const ops = new TrainableTfOps(tf);
  const graph = buildDepthGraph(ops, new Map([...loadClipWeights(clip, config).tensors, ...initCheckpoint(config, 0).tensors]), config);
  tf.tidy(() => graph.decode(graph.imageFeatures(tf.zeros([1, 24, 32, 3])), graph.conditioning()));
  assert.deepEqual([...ops.variables.keys()].sort(), [...checkpointSpec(config).keys()].sort());
  ops.dispose();
});

test('resume: N steps + resume N equals 2N steps in one run (cpu backend, bit for bit)', async () => {
  const settings = { ...SETTINGS, steps: 6, batchSize: 2, cacheFeatures: false, saveEvery: 2, valEvery: 3 };
  const full = await runTraining(request('full', { settings }));
  await runTraining(request('split', { settings, stopAfter: 3 }));
  const resumed = await runTraining(request('split', { settings, init: undefined, resume: true }));
  assert.equal(resumed.startStep, 3);
  assert.equal(resumed.step, 6);
  const a = readCheckpoint(full.checkpoint).tensors;
  const b = readCheckpoint(resumed.checkpoint).tensors;
  for (const [name, t] of a) assert.deepEqual(b.get(name)!.data, t.data, name);
  const rows = (await readCsv(resumed.log)).rows.map((x) => Number(x.step));
  assert.deepEqual(rows, [3, 6]);
});

test('a diverging run stops with a clear message, exit code 3, and keeps the last good checkpoint', () => {
  const out = path.join(tmp, 'nan');
  const r = depthkit(['train', '--data', synth.train!, '--clip', clip, '--init', '--input-size', '32x24', '--decoder-channels', '32,32,16,16',
    '--out', out, '--steps', '10', '--batch-size', '2', '--lr', '1e30', '--warmup', '0', '--save-every', '1', '--backend', 'cpu', '--cache-features']);
  assert.equal(r.code, 3, r.stderr);
  assert.match(r.stderr, /loss became (NaN|Infinity) at step \d+ .*the last good checkpoint is .*checkpoint\.safetensors \(step \d+\)/);
  const ck = readCheckpoint(path.join(out, 'checkpoint.safetensors'));
  for (const t of ck.tensors.values()) assert.ok(t.data.every(Number.isFinite));
});

test('bad starts: no data, two model sources, nothing to resume', async () => {
  const out = 'bad';
  await assert.rejects(runTraining(request(out, { data: undefined })), /no training data/);
  await assert.rejects(runTraining(request(out, { resume: true })), /exactly one of/);
  await assert.rejects(runTraining(request(out, { init: undefined, resume: true })), /nothing to resume/);
});

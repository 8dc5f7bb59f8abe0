/**
 * Model speed on a ViT-B/16-sized model with random weights (no real CLIP weights on build machines), 224x224, tfjs
 * wasm: frames/s with 1 and 2 worker threads, full model vs bare image encoder, cached prompt vs recomputing mirror's
 * text pass every frame. In-process figures are CPU seconds of this process (robust to other load); worker throughput
 * is wall-clock and needs an otherwise idle machine to mean anything.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { RgbImage } from '../../src/metrics/types.js';
import { initTf } from '../../src/model/backend.js';
import { loadClipDepthModel } from '../../src/model/clip-depth-model.js';
import { loadModelWeights } from '../../src/model/load-weights.js';
import { createCheckpoint } from '../../src/model/model-init.js';
import { writeRandomClip } from '../../src/model/random-clip.js';
import { TfDepthRunner } from '../../src/model/tf-runner.js';
import type { BenchRow } from './types.js';

const ROUNDS = 2;

function randomFrame(seed: number): RgbImage {
  const data = new Uint8Array(224 * 224 * 3);
  for (let i = 0; i < data.length; i++) data[i] = (i * 2654435761 + seed * 97) >>> 24;
  return { data, width: 224, height: 224 };
}

type Clock = () => number;
const wall: Clock = () => performance.now() / 1000;
/** This process's CPU seconds: for single-threaded in-process runs, unaffected by other load on the machine. */
const cpu: Clock = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

/**
 * Fastest of `rounds` interleaved timings of each variant, after one warm-up call each: on a shared machine the
 * minimum is the least disturbed figure, and interleaving exposes every variant to the same load.
 */
async function fastest(rounds: number, clock: Clock, variants: (() => Promise<unknown>)[]): Promise<number[]> {
  for (const v of variants) await v();
  const best = variants.map(() => Infinity);
  for (let r = 0; r < rounds; r++) {
    for (const [i, v] of variants.entries()) {
      const t0 = clock();
      await v();
      best[i] = Math.min(best[i], clock() - t0);
    }
  }
  return best;
}

export async function benchModel(): Promise<BenchRow[]> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'depthkit-bench-model-'));
  try {
    const clip = path.join(dir, 'clip-b16.safetensors');
    const checkpoint = path.join(dir, 'ckpt.safetensors');
    await writeRandomClip(clip, 'ViT-B/16', 1);
    await createCheckpoint({ clip, out: checkpoint, seed: 2, maxDepth: 10 });
    const frame = [randomFrame(1)];
    const rows: BenchRow[] = [];

    const loaded = loadModelWeights({ checkpoint, clip });
    const runner = new TfDepthRunner(await initTf('wasm'), loaded.weights, loaded.config);
    const [full, bare, recompute] = await fastest(ROUNDS, cpu, [
      () => runner.predict(frame),
      () => runner.imageFeatures(frame),
      () => runner.predict(frame, { recomputePrompt: true }),
    ]);
    runner.dispose();
    loaded.weights.clear();
    rows.push({ name: 'ViT-B/16 224x224 wasm, in-process: CPU s/frame', value: full, unit: 's' });
    rows.push({ name: 'full model / bare image encoder (cached prompt)', value: full / bare, unit: 'x', target: '<= 1.15' });
    rows.push({ name: 'recomputed prompt / cached prompt, per frame', value: recompute / full, unit: 'x' });

    const perWorkers: number[] = [];
    for (const workers of [1, 2]) {
      const model = await loadClipDepthModel({ checkpoint, clip, backend: 'wasm', workers });
      // Four frames a call so that every worker has work in the timed window, whatever the pool's dispatch order.
      const batch = Array.from({ length: 4 }, (_, i) => randomFrame(i));
      const [s] = await fastest(ROUNDS, wall, [() => model.predict(batch)]);
      await model.dispose();
      perWorkers.push(batch.length / s);
      rows.push({ name: `ViT-B/16 224x224 wasm, ${workers} worker(s): frames/s`, value: batch.length / s, unit: 'frames/s' });
    }
    rows.push({ name: '2 workers / 1 worker throughput', value: perWorkers[1] / perWorkers[0], unit: 'x', target: `~${Math.min(2, os.availableParallelism())} on ${os.availableParallelism()} cores` });
    return rows;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

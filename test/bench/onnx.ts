/**
 * ONNX Runtime against tfjs wasm on a ViT-B/16-sized model with random weights: parity (224x224 and a wide
 * 224x672 input with resampled position embeddings), frames/s at 224x224 with 1 and 2 ORT threads and 1 and 2
 * wasm workers, graph build and cache-reuse times, and ORT's effective GFLOP/s against the machine's BLAS
 * (numpy matmul of the model's GEMM shapes) as the ceiling.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { DepthMap, RgbImage } from '../../src/metrics/types.js';
import { initTf } from '../../src/model/backend.js';
import { loadClipDepthModel } from '../../src/model/clip-depth-model.js';
import { decoderStages, tokenGrid, type ModelConfig } from '../../src/model/config.js';
import type { DepthModel } from '../../src/model/depth-model.js';
import { loadModelWeights } from '../../src/model/load-weights.js';
import { createCheckpoint } from '../../src/model/model-init.js';
import { loadOnnxDepthModel } from '../../src/model/onnx/onnx-depth-model.js';
import { writeRandomClip } from '../../src/model/random-clip.js';
import { TfDepthRunner } from '../../src/model/tf-runner.js';
import { benchWebgpu } from './onnx-webgpu.js';
import type { BenchRow } from './types.js';

function randomFrame(width: number, height: number, seed: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < data.length; i++) data[i] = (i * 2654435761 + seed * 97) >>> 24;
  return { data, width, height };
}

/** Frames per second of the fastest of `calls` calls after one warm-up call (best-of: the build machines are shared). */
async function framesPerSecond(model: DepthModel, frames: RgbImage[], calls: number): Promise<number> {
  await model.predict(frames);
  let best = Infinity;
  for (let i = 0; i < calls; i++) {
    const t0 = performance.now();
    await model.predict(frames);
    best = Math.min(best, performance.now() - t0);
  }
  return frames.length / (best / 1000);
}

function relErr(a: DepthMap[], b: DepthMap[]): number {
  let err = 0;
  let scale = 0;
  a.forEach((m, k) => m.data.forEach((v, i) => {
    err = Math.max(err, Math.abs(v - b[k].data[i]));
    scale = Math.max(scale, Math.abs(b[k].data[i]));
  }));
  return err / scale;
}

/** GEMM shapes [m, k, n] of one image-encoder pass (per layer: q, k, v, out, fc1, fc2); the bulk of the FLOPs. */
function encoderGemms(config: ModelConfig): [number, number, number][] {
  const { rows, cols } = tokenGrid(config);
  const n = rows * cols + 1;
  const w = config.clip.vision.width;
  return [[n, w, w], [n, w, w], [n, w, w], [n, w, w], [n, w, 4 * w], [n, 4 * w, w]];
}

/** Multiply-adds x2 of one frame through image encoder and decoder (elementwise ops not counted). */
function modelFlops(config: ModelConfig): number {
  const { vision: v, embedDim: e } = config.clip;
  const { rows, cols } = tokenGrid(config);
  const n = rows * cols + 1;
  const gemm = encoderGemms(config).reduce((a, [m, k, o]) => a + 2 * m * k * o, 0);
  const attention = 2 * 2 * n * n * v.width;
  let flops = v.layers * (gemm + attention) + 2 * (n - 1) * v.width * (3 * v.patchSize ** 2 + e);
  const ch = config.decoder.channels;
  flops += 2 * (n - 1) * e * ch[0];
  for (let i = 0; i < decoderStages(v.patchSize); i++) {
    const px = rows * cols * 4 ** (i + 1);
    flops += 2 * px * ch[i] * ch[i + 1] + 2 * px * ch[i + 1] ** 2 * 9;
  }
  return flops + 2 * config.inputSize.width * config.inputSize.height * ch[ch.length - 1] * 9;
}

/** numpy matmul GFLOP/s over the encoder's GEMM shapes with `threads` BLAS threads. */
function blasGflops(gemms: [number, number, number][], threads: number): number {
  const script = `
import json, sys, time
import numpy as np
shapes = json.loads(sys.argv[1])
rng = np.random.default_rng(0)
mats = [(rng.standard_normal((m, k), dtype=np.float32), rng.standard_normal((k, n), dtype=np.float32)) for m, k, n in shapes]
flops = sum(2 * m * k * n for m, k, n in shapes)
for a, b in mats: a @ b
best = 1e9
for _ in range(5):
    t = time.perf_counter()
    for _ in range(10):
        for a, b in mats: a @ b
    best = min(best, (time.perf_counter() - t) / 10)
print(flops / best / 1e9)
`;
  const env = { ...process.env, OPENBLAS_NUM_THREADS: String(threads), OMP_NUM_THREADS: String(threads), MKL_NUM_THREADS: String(threads) };
  return Number(execFileSync('python3', ['-c', script, JSON.stringify(gemms)], { env, encoding: 'utf8' }).trim());
}

export async function benchOnnx(): Promise<BenchRow[]> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'depthkit-bench-onnx-'));
  try {
    const clip = path.join(dir, 'clip-b16.safetensors');
    const checkpoint = path.join(dir, 'ckpt.safetensors');
    const cacheDir = path.join(dir, 'cache');
    await writeRandomClip(clip, 'ViT-B/16', 1);
    const { config } = await createCheckpoint({ clip, out: checkpoint, seed: 2, maxDepth: 10 });
    const rows: BenchRow[] = [];
    const square = [randomFrame(224, 224, 1)];

    // Build, then reuse from the cache.
    const notes: string[] = [];
    let t0 = performance.now();
    let onnx = await loadOnnxDepthModel({ checkpoint, clip, cacheDir, threads: 2, log: (l) => notes.push(l) });
    rows.push({ name: 'ONNX graph build (load weights, prompt, emit, cache) + session', value: (performance.now() - t0) / 1000, unit: 's' });
    await onnx.dispose();
    t0 = performance.now();
    onnx = await loadOnnxDepthModel({ checkpoint, clip, cacheDir, threads: 2, log: (l) => notes.push(l) });
    rows.push({ name: 'ONNX cache reuse (hash inputs, verify file) + session', value: (performance.now() - t0) / 1000, unit: 's' });
    if (!notes.some((n) => n.includes('reused'))) throw new Error(`the cache was not reused: ${notes.join('; ')}`);

    // Parity at 224x224 against tfjs wasm in-process, then speed.
    const tf = await initTf('wasm');
    const loaded = loadModelWeights({ checkpoint, clip });
    let runner = new TfDepthRunner(tf, loaded.weights, loaded.config);
    // In parts per million: max abs diff / max abs value, x1e6 (the bench table prints 3 decimals).
    rows.push({ name: 'parity 224x224: ORT vs tfjs wasm, max abs diff / max abs', value: 1e6 * relErr(await onnx.predict(square), await runner.predict(square)), unit: 'ppm', target: '< 100 (1e-4)' });
    runner.dispose();
    // BLAS is timed right beside ORT at the same thread count, so that both see the same load on a shared machine.
    const flops = modelFlops(config);
    const ort: number[] = [];
    const blas: number[] = [];
    for (const threads of [1, 2]) {
      const model = threads === 2 ? onnx : await loadOnnxDepthModel({ checkpoint, clip, cacheDir, threads });
      blas[threads] = blasGflops(encoderGemms(config), threads);
      ort[threads] = await framesPerSecond(model, square, 5);
      blas[threads] = Math.max(blas[threads], blasGflops(encoderGemms(config), threads));
      rows.push({ name: `ViT-B/16 224x224 ORT cpu, ${threads} thread(s): frames/s`, value: ort[threads], unit: 'frames/s' });
      if (threads === 1) await model.dispose();
    }
    rows.push(...(await benchWebgpu({ checkpoint, clip, cacheDir, frame: square[0], cpuDepth: await onnx.predict(square), cpuFps: ort[2], relErr })));
    await onnx.dispose();
    const batched = await loadOnnxDepthModel({ checkpoint, clip, cacheDir, threads: 2, batch: 4 });
    const batch4 = await framesPerSecond(batched, [0, 1, 2, 3].map((s) => randomFrame(224, 224, s)), 2);
    await batched.dispose();
    rows.push({ name: 'ORT 2 threads, batch of 4 / single frames: throughput', value: batch4 / ort[2], unit: 'x' });

    // Wide input: 224x672, position embeddings resampled from 14x14 to 14x42.
    const inputSize = { width: 672, height: 224 };
    const wide = [randomFrame(672, 224, 5)];
    const wideOnnx = await loadOnnxDepthModel({ checkpoint, clip, cacheDir, inputSize });
    runner = new TfDepthRunner(tf, loadModelWeights({ checkpoint, clip, inputSize }).weights, { ...loaded.config, inputSize });
    rows.push({ name: 'parity 224x672 (resampled pos-emb): ORT vs tfjs wasm', value: 1e6 * relErr(await wideOnnx.predict(wide), await runner.predict(wide)), unit: 'ppm', target: '< 100 (1e-4)' });
    runner.dispose();
    await wideOnnx.dispose();
    loaded.weights.clear();

    const wasm: number[] = [];
    for (const workers of [1, 2]) {
      const model = await loadClipDepthModel({ checkpoint, clip, backend: 'wasm', workers });
      wasm[workers] = await framesPerSecond(model, Array.from({ length: workers }, (_, i) => randomFrame(224, 224, i)), 1);
      await model.dispose();
      rows.push({ name: `ViT-B/16 224x224 tfjs wasm, ${workers} worker(s): frames/s`, value: wasm[workers], unit: 'frames/s' });
    }
    rows.push({ name: 'ORT 2 threads / wasm 2 workers: frames/s', value: ort[2] / wasm[2], unit: 'x', target: '>= 4' });

    rows.push({ name: 'model FLOPs per 224x224 frame (encoder + decoder)', value: flops / 1e9, unit: 'GFLOP' });
    for (const threads of [1, 2]) {
      const effective = (flops * ort[threads]) / 1e9;
      rows.push({ name: `numpy BLAS, encoder GEMM shapes, ${threads} thread(s)`, value: blas[threads], unit: 'GFLOP/s' });
      rows.push({ name: `ORT effective, ${threads} thread(s)`, value: effective, unit: 'GFLOP/s' });
      rows.push({ name: `ORT effective / BLAS, ${threads} thread(s)`, value: (100 * effective) / blas[threads], unit: '%', target: '>= 80' });
    }
    return rows;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The WebGPU engine beside ORT on the CPU, for `npm run bench onnx`: parity and a frames/s ratio. On the build
 * machines the only Vulkan device is Mesa's lavapipe, which runs the GPU's work on the same CPU cores: the ratio
 * shows the engine runs end to end, and is NOT a speed claim for any GPU (README, GPU rows: unmeasured).
 */
import { performance } from 'node:perf_hooks';
import type { DepthMap, RgbImage } from '../../src/metrics/types.js';
import { loadOnnxDepthModel } from '../../src/model/onnx/onnx-depth-model.js';
import { probeOnnxWebgpu } from '../../src/model/onnx/probe.js';
import type { BenchRow } from './types.js';

export interface WebgpuBenchInput {
  checkpoint: string;
  clip: string;
  cacheDir: string;
  /** One 224x224 frame, its depth from ORT on the CPU, and ORT CPU's frames/s (2 threads, single frames). */
  frame: RgbImage;
  cpuDepth: DepthMap[];
  cpuFps: number;
  relErr: (a: DepthMap[], b: DepthMap[]) => number;
}

export async function benchWebgpu(i: WebgpuBenchInput): Promise<BenchRow[]> {
  const probe = await probeOnnxWebgpu();
  if (!probe.available) return [{ name: `webgpu: not run (${probe.detail})`, value: 0, unit: '-' }];
  const model = await loadOnnxDepthModel({ checkpoint: i.checkpoint, clip: i.clip, cacheDir: i.cacheDir, provider: 'webgpu' });
  try {
    const rows: BenchRow[] = [{ name: 'parity 224x224: ORT webgpu vs ORT cpu, max abs diff / max abs', value: 1e6 * i.relErr(await model.predict([i.frame]), i.cpuDepth), unit: 'ppm', target: '< 100 (1e-4)' }];
    const t0 = performance.now();
    await model.predict([i.frame]);
    const fps = 1000 / (performance.now() - t0);
    rows.push({ name: `ViT-B/16 224x224 ORT webgpu (${probe.autoSkip ? 'software Vulkan' : 'GPU Vulkan'}), batch 1: frames/s`, value: fps, unit: 'frames/s' });
    rows.push({ name: `ORT webgpu / ORT cpu 2 threads: frames/s (${probe.autoSkip ? 'software Vulkan on the same CPU: NOT a speed claim' : 'GPU'})`, value: fps / i.cpuFps, unit: 'x' });
    return rows;
  } finally {
    await model.dispose();
  }
}

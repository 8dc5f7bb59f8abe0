import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { readCheckpoint } from '../../src/model/checkpoint.js';
import { probeTfWebgpu } from '../../src/model/tf-webgpu.js';
import { runTraining } from '../../src/train/run-training.js';
import { makeTrainFixture, request } from '../helpers/train-run.js';

/**
 * `depthkit train --backend webgpu`: tfjs-backend-webgpu on Dawn. Skips only without a Vulkan device, and fails
 * instead where DEPTHKIT_REQUIRE_VULKAN=1 (CI, after installing Mesa's lavapipe).
 */
const probe = await probeTfWebgpu();
if (!probe.available && process.env.DEPTHKIT_REQUIRE_VULKAN === '1') throw new Error(`DEPTHKIT_REQUIRE_VULKAN=1 but ${probe.detail}`);
const needsVulkan = { skip: !probe.available && `no WebGPU for tfjs: ${probe.detail}` };

test('train --backend webgpu: first step equals the cpu backend to 1e-4, the loss falls, resume is exact', needsVulkan, async () => {
  const fx = await makeTrainFixture('depthkit-train-webgpu-');
  const base = request(fx, '', 'init');
  const settings = { ...base.settings, steps: 6, saveEvery: 2, valEvery: 3, jitter: 0 };
  const run = async (out: string, backend: 'cpu' | 'webgpu', o: Parameters<typeof request>[3] = {}) => {
    const losses: number[] = [];
    const r = await runTraining(request(fx, path.join(fx.tmp, out), o.resume ? 'resume' : 'init', { backend, settings, onStep: (s) => losses.push(s.loss), ...o }));
    return { r, losses };
  };
  const cpu = await run('cpu', 'cpu', { settings: { ...settings, steps: 1 } });
  const gpu = await run('gpu', 'webgpu');
  assert.equal(gpu.r.backend, 'webgpu');
  const first = Math.abs(gpu.losses[0] - cpu.losses[0]) / Math.abs(cpu.losses[0]);
  assert.ok(first < 1e-4, `first-step loss webgpu ${gpu.losses[0]} vs cpu ${cpu.losses[0]}: rel ${first}`);
  assert.equal(gpu.losses.length, 6);
  assert.ok(Math.min(...gpu.losses.slice(3)) < gpu.losses[0], `loss falls: ${gpu.losses.join(', ')}`);

  await run('split', 'webgpu', { stopAfter: 3 });
  const resumed = await run('split', 'webgpu', { init: undefined, resume: true });
  assert.equal(resumed.r.startStep, 3);
  assert.deepEqual(resumed.losses, gpu.losses.slice(3), 'resumed steps repeat the unbroken run');
  const a = readCheckpoint(gpu.r.checkpoint).tensors;
  const b = readCheckpoint(resumed.r.checkpoint).tensors;
  for (const [name, t] of a) assert.deepEqual(b.get(name)!.data, t.data, name);
});

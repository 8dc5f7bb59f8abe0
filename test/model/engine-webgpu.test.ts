import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { loadOnnxDepthModel } from '../../src/model/onnx/onnx-depth-model.js';
import { probeOnnxWebgpu } from '../../src/model/onnx/probe.js';
import { depthkit } from '../helpers/cli.js';
import { MODEL_REF, TINY_CKPT, TINY_CLIP, readRefNpy, refFrames, relErr } from '../helpers/model-reference.js';

/**
 * The WebGPU engine (ORT's WebGPU provider on Dawn on Vulkan). On a machine without a Vulkan device the parity test
 * skips, except where DEPTHKIT_REQUIRE_VULKAN=1 says one must be there (CI sets it after installing Mesa's
 * lavapipe), so the test cannot silently skip in CI.
 */
const webgpu = await probeOnnxWebgpu();
if (!webgpu.available && process.env.DEPTHKIT_REQUIRE_VULKAN === '1') throw new Error(`DEPTHKIT_REQUIRE_VULKAN=1 but ${webgpu.detail}`);
const needsVulkan = { skip: !webgpu.available && `no Vulkan device: ${webgpu.detail}` };
/** A Vulkan loader pointed at no driver: what a machine without a GPU or lavapipe looks like to Dawn. */
const NO_VULKAN = { VK_ICD_FILENAMES: '/nonexistent/depthkit-no-icd.json', VK_DRIVER_FILES: '/nonexistent/depthkit-no-icd.json' };

for (const capture of ['1', '0']) test(`webgpu engine (graph capture ${capture === '1' ? 'on' : 'off'}): depth equals the CPU engine and the numpy reference to 1e-4, batched and alone`, needsVulkan, async () => {
  process.env.DEPTHKIT_WEBGPU_GRAPH_CAPTURE = capture;
  const frames = refFrames(path.join(MODEL_REF, 'frames-square.npy'));
  const ref = readRefNpy(path.join(MODEL_REF, 'square', 'depth.npy')).data;
  const files = { checkpoint: TINY_CKPT, clip: TINY_CLIP, cacheDir: false as const };
  const gpu = await loadOnnxDepthModel({ ...files, provider: 'webgpu' });
  const cpu = await loadOnnxDepthModel({ ...files, provider: 'cpu', threads: 1 });
  try {
    assert.equal(gpu.batch, 8);
    assert.match(gpu.description, /onnxruntime webgpu, batches of 8/);
    const flat = (maps: { data: Float32Array }[]) => new Float32Array(maps.flatMap((m) => [...m.data]));
    const g = flat(await gpu.predict(frames));
    const c = flat(await cpu.predict(frames));
    assert.ok(relErr(g, c) < 1e-4, `webgpu vs cpu rel err ${relErr(g, c)}`);
    assert.ok(relErr(g, ref) < 1e-4, `webgpu vs numpy rel err ${relErr(g, ref)}`);
    const alone = flat(await gpu.predict(frames.slice(1, 2)));
    const px = alone.length;
    assert.ok(relErr(alone, g.subarray(px, 2 * px)) < 1e-5, 'a frame alone gets the depth it gets in a batch');
  } finally {
    await gpu.dispose();
    await cpu.dispose();
  }
});

test('--backend auto without a Vulkan device falls back to the CPU and says why in one line', async () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'depthkit-webgpu-'));
  const images = path.join(tmp, 'in');
  mkdirSync(images);
  await sharp(Buffer.alloc(32 * 32 * 3, 90), { raw: { width: 32, height: 32, channels: 3 } }).png().toFile(path.join(images, 'a.png'));
  const r = depthkit(['predict', images, '--checkpoint', TINY_CKPT, '--clip', TINY_CLIP, '--out', path.join(tmp, 'out'), '--backend', 'auto', '--verbose'], { env: NO_VULKAN });
  assert.equal(r.code, 0, r.stderr);
  const skipped = r.stderr.split('\n').filter((l) => /engine webgpu skipped/.test(l));
  assert.equal(skipped.length, 1, r.stderr);
  assert.match(skipped[0], /engine webgpu skipped: no Vulkan device for WebGPU .*No supported adapters/);
  assert.match(r.stderr, /engine onnx-cuda skipped: /);
  assert.match(r.stderr, /^engine: onnx \(auto: onnxruntime-node [\d.]+ on the CPU/m);
});

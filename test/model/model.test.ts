import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, copyFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadClipWeights } from '../../src/model/clip-weights.js';
import { readCheckpoint, writeCheckpoint } from '../../src/model/checkpoint.js';
import { initTf, type TfBackendName } from '../../src/model/backend.js';
import { TfDepthRunner } from '../../src/model/tf-runner.js';
import { TfOps } from '../../src/model/ops-tf.js';
import { loadClipDepthModel } from '../../src/model/clip-depth-model.js';
import { readSafetensors, writeSafetensors } from '../../src/io/safetensors.js';
import type { ModelConfig } from '../../src/model/config.js';
import { MODEL_REF as REF, TINY_CKPT as CKPT, TINY_CLIP as CLIP, readRefNpy, refFrames, relErr } from '../helpers/model-reference.js';

const CASES = ['square', 'wide'] as const;

function configFor(base: ModelConfig, c: (typeof CASES)[number]): ModelConfig {
  const [, height, width] = readRefNpy(path.join(REF, `frames-${c}.npy`)).shape;
  return { ...base, inputSize: { width, height } };
}

function pythonAvailable(): boolean {
  try {
    execFileSync('python3', ['-c', 'import numpy'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

test('the committed reference outputs are what model_ref.py computes now', { skip: !pythonAvailable() && 'python3 + numpy not found' }, () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'depthkit-model-'));
  for (const c of CASES) {
    const out = path.join(tmp, c);
    execFileSync('python3', [path.join(import.meta.dirname, '..', 'reference', 'model_ref.py'), CLIP, CKPT, path.join(REF, `frames-${c}.npy`), out]);
    for (const name of ['conditioning', 'features', 'depth']) {
      assert.ok(relErr(readRefNpy(path.join(out, `${name}.npy`)).data, readRefNpy(path.join(REF, c, `${name}.npy`)).data) < 1e-6, `${c}/${name}`);
    }
  }
});

for (const backend of ['cpu', 'wasm'] as TfBackendName[]) {
  test(`tfjs ${backend}: prompt, image encoder and depth match the numpy reference to 1e-4`, async () => {
    const tf = await initTf(backend);
    const clip = loadClipWeights(CLIP);
    const ckpt = readCheckpoint(CKPT);
    const weights = new Map([...clip.tensors, ...ckpt.tensors]);
    const before = new Map([...weights].map(([k, v]) => [k, v.data.slice()]));
    for (const c of CASES) {
      const runner = new TfDepthRunner(tf, weights, configFor(ckpt.config, c));
      try {
        const input = refFrames(path.join(REF, `frames-${c}.npy`));
        const e = relErr(runner.conditioning(), readRefNpy(path.join(REF, c, 'conditioning.npy')).data);
        assert.ok(e < 1e-4, `${c} conditioning rel err ${e}`);
        const f = relErr(await runner.imageFeatures(input), readRefNpy(path.join(REF, c, 'features.npy')).data);
        assert.ok(f < 1e-4, `${c} features rel err ${f}`);
        const depth = await runner.predict(input);
        assert.equal(depth.length, input.length);
        assert.equal(depth[0].width, input[0].width);
        const flat = new Float32Array(depth.flatMap((d) => [...d.data]));
        const d = relErr(flat, readRefNpy(path.join(REF, c, 'depth.npy')).data);
        assert.ok(d < 1e-4, `${c} depth rel err ${d}`);
      } finally {
        runner.dispose();
      }
    }
    assert.equal(tf.memory().numTensors, 0, 'every tensor freed');
    // Frozen: the forward passes left every CLIP (and checkpoint) weight as loaded.
    for (const [k, v] of weights) assert.deepEqual(v.data, before.get(k), k);
    const fresh = loadClipWeights(CLIP).tensors;
    for (const [k, v] of fresh) assert.deepEqual(weights.get(k)!.data, v.data, k);
  });
}

test('checkpoint round-trips bit-exactly', async () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'depthkit-ckpt-'));
  const a = readCheckpoint(CKPT);
  const file = path.join(tmp, 'again.safetensors');
  await writeCheckpoint(file, a);
  assert.deepEqual(readFileSync(file), readFileSync(CKPT));
  const b = readCheckpoint(file);
  assert.deepEqual(b.config, a.config);
  for (const [k, v] of a.tensors) assert.deepEqual(b.tensors.get(k), v, k);
});

test('a CLIP file that does not fit names the wrong tensors', async () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'depthkit-clip-'));
  const { tensors } = readSafetensors(CLIP);
  const variant = (edit: (m: Map<string, { shape: number[]; data: Float32Array }>) => void) => {
    const m = new Map(tensors);
    edit(m);
    return m;
  };
  const missing = path.join(tmp, 'missing.safetensors');
  await writeSafetensors(missing, variant((m) => m.delete('vision_model.encoder.layers.1.mlp.fc2.bias')));
  assert.throws(() => loadClipWeights(missing), /missing\.safetensors: .*vision_model\.encoder\.layers\.1\.mlp\.fc2\.bias missing/);

  const wrong = path.join(tmp, 'wrong.safetensors');
  await writeSafetensors(wrong, variant((m) => m.set('text_model.encoder.layers.0.self_attn.k_proj.weight', { shape: [32, 16], data: new Float32Array(512) })));
  assert.throws(() => loadClipWeights(wrong), /text_model\.encoder\.layers\.0\.self_attn\.k_proj\.weight is \[32,16\], expected \[32,32\]/);

  const truncated = path.join(tmp, 'truncated.safetensors');
  copyFileSync(CLIP, truncated);
  writeFileSync(truncated, readFileSync(CLIP).subarray(0, 100_000));
  assert.throws(() => loadClipWeights(truncated), /truncated\.safetensors: tensor [\w.]+: data_offsets .* run past the end/);

  const notClip = path.join(tmp, 'ckpt.safetensors');
  copyFileSync(CKPT, notClip);
  assert.throws(() => loadClipWeights(notClip), /ckpt\.safetensors: not a CLIP model\.safetensors \(Hugging Face, OpenAI or OpenCLIP names\): missing or malformed vision_model\.embeddings\.patch_embedding\.weight/);
});

test('loadClipDepthModel: in-process and 2 worker threads give the reference depth, in order', async () => {
  const input = refFrames(path.join(REF, 'frames-square.npy'));
  const expected = readRefNpy(path.join(REF, 'square', 'depth.npy')).data;
  for (const workers of [1, 2]) {
    const model = await loadClipDepthModel({ checkpoint: CKPT, clip: CLIP, backend: 'wasm', workers });
    try {
      assert.deepEqual(model.inputSize, { width: 32, height: 32 });
      assert.match(model.description, new RegExp(`CLIP tiny \\+ mirror .*wasm x${workers}`));
      const depth = await model.predict([input[0], input[1], input[0]]);
      const flat = new Float32Array([...depth[0].data, ...depth[1].data]);
      assert.ok(relErr(flat, expected) < 1e-4, `workers=${workers}`);
      assert.deepEqual(depth[2].data, depth[0].data);
    } finally {
      await model.dispose();
    }
  }
});

test('missing model files are one-line errors that name the file and point at the README', async () => {
  const saved = process.env.DEPTHKIT_CLIP;
  delete process.env.DEPTHKIT_CLIP;
  try {
    await assert.rejects(loadClipDepthModel({ checkpoint: CKPT, backend: 'cpu', workers: 1 }), {
      message: 'CLIP weights not found: pass --clip <model.safetensors> or set DEPTHKIT_CLIP (see README, Model weights)',
    });
    await assert.rejects(loadClipDepthModel({ checkpoint: CKPT, clip: '/nonexistent/clip.safetensors', backend: 'cpu', workers: 1 }), /CLIP weights not found at \/nonexistent\/clip\.safetensors/);
    await assert.rejects(loadClipDepthModel({ checkpoint: '/nonexistent/ckpt.safetensors', clip: CLIP, backend: 'cpu', workers: 1 }), /checkpoint not found at \/nonexistent\/ckpt\.safetensors: .*README, Model weights/);
    process.env.DEPTHKIT_CLIP = CLIP;
    const model = await loadClipDepthModel({ checkpoint: CKPT, backend: 'cpu', workers: 1 });
    await model.dispose();
  } finally {
    if (saved === undefined) delete process.env.DEPTHKIT_CLIP;
    else process.env.DEPTHKIT_CLIP = saved;
  }
});

test('TfOps.resizeBilinear uses half-pixel centres (ONNX Resize half_pixel), the ViT-L/14 output path', async () => {
  const tf = await initTf('cpu');
  const ops = new TfOps(tf);
  // 2x2 -> 3x3: source rows/cols at (o + 0.5) * 2/3 - 0.5 = -1/6, 1/2, 7/6, i.e. edge, midpoint, edge.
  const x = ops.constant('x', [1, 2, 2, 1], Float32Array.from([0, 2, 4, 6]));
  const y = tf.tidy(() => ops.resizeBilinear(x, { height: 3, width: 3 }));
  assert.deepEqual([...(await y.data())], [0, 1, 2, 2, 3, 4, 4, 5, 6]);
  y.dispose();
  ops.dispose();
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { initTf } from '../../src/model/backend.js';
import { readCheckpoint } from '../../src/model/checkpoint.js';
import { checkClipFile, loadClipWeights } from '../../src/model/clip-weights.js';
import type { ClipConfig } from '../../src/model/config.js';
import { createCheckpoint } from '../../src/model/model-init.js';
import { loadOnnxDepthModel } from '../../src/model/onnx/onnx-depth-model.js';
import { TfDepthRunner } from '../../src/model/tf-runner.js';
import { mulberry32 } from '../../src/util/random.js';
import { writeClipFolder, writeFramesNpy, type ClipFileOptions } from '../helpers/clip-files.js';
import { readRefNpy, relErr } from '../helpers/model-reference.js';

const PYTHON = '/usr/bin/python3';
const MODEL_REF = path.join(import.meta.dirname, '..', 'reference', 'model_ref.py');
const hasNumpy = (() => {
  try {
    execFileSync(PYTHON, ['-c', 'import numpy'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
const tmp = mkdtempSync(path.join(os.tmpdir(), 'depthkit-clipfiles-'));

/** Shapes of no preset: heads that are not width / 64, an MLP that is not 4 x width, a 5x5 grid of 8 px patches. */
const ODD: ClipConfig = {
  variant: 'test',
  vision: { imageSize: 40, patchSize: 8, width: 48, layers: 2, heads: 3, mlpWidth: 100 },
  text: { contextLength: 12, vocabSize: 50, width: 40, layers: 2, heads: 5, mlpWidth: 72 },
  embedDim: 24,
};
/** Widths that are multiples of 64, so CLIP's own rule (heads = width / 64) gives the heads without a config. */
const WIDE: ClipConfig = {
  variant: 'test',
  vision: { imageSize: 48, patchSize: 16, width: 128, layers: 1, heads: 2 },
  text: { contextLength: 10, vocabSize: 30, width: 64, layers: 1, heads: 1 },
  embedDim: 32,
};

let n = 0;
function folder(): string {
  const dir = path.join(tmp, String(n++));
  mkdirSync(dir);
  return dir;
}

function randomFrames(count: number, width: number, height: number, seed: number) {
  const rand = mulberry32(seed);
  return Array.from({ length: count }, () => ({ data: Uint8Array.from({ length: width * height * 3 }, () => Math.floor(rand() * 256)), width, height }));
}

/**
 * model init on the file, then the model on tfjs (conditioning, features, depth) and on ONNX Runtime (depth), each
 * against model_ref.py's float64 forward pass. Returns the tfjs depth for cross-case checks.
 */
async function matchesReference(clipFile: string, label: string): Promise<Float32Array> {
  const ckpt = path.join(path.dirname(clipFile), 'ckpt.safetensors');
  await createCheckpoint({ clip: clipFile, out: ckpt, seed: 3, maxDepth: 10 });
  const { config } = readCheckpoint(ckpt);
  const { width, height } = config.inputSize;
  const frames = randomFrames(2, width, height, 7);
  const npy = path.join(path.dirname(clipFile), 'frames.npy');
  writeFramesNpy(npy, frames, height, width);
  const out = path.join(path.dirname(clipFile), 'ref');
  execFileSync(PYTHON, [MODEL_REF, clipFile, ckpt, npy, out]);
  const ref = (name: string) => readRefNpy(path.join(out, `${name}.npy`)).data;

  const tf = await initTf('cpu');
  const runner = new TfDepthRunner(tf, new Map([...loadClipWeights(clipFile, config).tensors, ...readCheckpoint(ckpt).tensors]), config);
  let depth: Float32Array;
  try {
    const c = relErr(runner.conditioning(), ref('conditioning'));
    assert.ok(c < 1e-4, `${label}: conditioning rel err ${c}`);
    const f = relErr(await runner.imageFeatures(frames), ref('features'));
    assert.ok(f < 1e-4, `${label}: features rel err ${f}`);
    depth = new Float32Array((await runner.predict(frames)).flatMap((d) => [...d.data]));
    const d = relErr(depth, ref('depth'));
    assert.ok(d < 1e-4, `${label}: tfjs depth rel err ${d}`);
  } finally {
    runner.dispose();
  }
  const onnx = await loadOnnxDepthModel({ checkpoint: ckpt, clip: clipFile, cacheDir: false, threads: 1 });
  try {
    const d = relErr(new Float32Array((await onnx.predict(frames)).flatMap((m) => [...m.data])), ref('depth'));
    assert.ok(d < 1e-4, `${label}: onnx depth rel err ${d}`);
  } finally {
    await onnx.dispose();
  }
  return depth;
}

async function clipFile(clip: ClipConfig, opts: ClipFileOptions, seed = 1): Promise<string> {
  return writeClipFolder(folder(), clip, seed, opts);
}

const withNumpy = { skip: !hasNumpy && `${PYTHON} with numpy not found` };

test('HF names, shapes of no preset, config.json: heads, MLP width and activation come through and match numpy', withNumpy, async () => {
  const file = await clipFile(ODD, { naming: 'huggingface', config: { hiddenAct: 'quick_gelu' } });
  const arch = checkClipFile(file);
  assert.deepEqual({ v: arch.clip.vision, t: { ...arch.clip.text, vocabSize: 50 }, e: arch.clip.embedDim }, { v: ODD.vision, t: ODD.text, e: ODD.embedDim });
  assert.equal(arch.hiddenAct, 'quick_gelu');
  assert.match(arch.clip.variant, /^ViT-48w2L\/8@40/);
  const unused = loadClipWeights(file).unused.sort();
  assert.deepEqual(unused, ['logit_scale', 'text_model.embeddings.position_ids', 'text_model.embeddings.token_embedding.weight']);
  await matchesReference(file, 'hf odd quick_gelu');
});

test('gelu vs quick_gelu: the same weights give different depth, each matching numpy', withNumpy, async () => {
  const quick = await matchesReference(await clipFile(ODD, { naming: 'huggingface', config: { hiddenAct: 'quick_gelu', eps: 1e-6 } }, 5), 'quick_gelu');
  const gelu = await matchesReference(await clipFile(ODD, { naming: 'huggingface', config: { hiddenAct: 'gelu', eps: 1e-6 } }, 5), 'gelu');
  assert.ok(relErr(gelu, quick) > 1e-3, `activation changes the output (${relErr(gelu, quick)})`);
});

test('HF names without config.json: heads = width / 64, quick_gelu, and numpy agrees', withNumpy, async () => {
  const file = await clipFile(WIDE, { naming: 'huggingface' });
  const arch = checkClipFile(file);
  assert.equal(arch.clip.vision.heads, 2);
  assert.equal(arch.clip.text.heads, 1);
  assert.equal(arch.hiddenAct, 'quick_gelu');
  await matchesReference(file, 'hf wide, no config');
});

test('OpenCLIP names: with open_clip_config.json (gelu, head_width) and without (OpenAI rules)', withNumpy, async () => {
  const withCfg = await clipFile(ODD, { naming: 'openclip', config: { hiddenAct: 'gelu' } }, 9);
  const arch = checkClipFile(withCfg);
  assert.equal(arch.hiddenAct, 'gelu');
  assert.equal(arch.clip.vision.heads, 3);
  assert.equal(arch.clip.text.heads, 5);
  const fromOpenClip = await matchesReference(withCfg, 'openclip + config');
  // The same random weights under HF names run to the same depth.
  const hf = await matchesReference(await clipFile(ODD, { naming: 'huggingface', config: { hiddenAct: 'gelu' } }, 9), 'hf twin');
  assert.ok(relErr(fromOpenClip, hf) < 1e-6);
  await matchesReference(await clipFile(WIDE, { naming: 'openclip' }, 4), 'openclip without config');
});

test('a config that contradicts the tensors, refused OpenCLIP variants and unknown heads fail with one clear line', async () => {
  const lying = await clipFile(ODD, { naming: 'huggingface', config: { hiddenAct: 'quick_gelu', overrides: { projection_dim: 512 } } });
  assert.throws(() => checkClipFile(lying), /config\.json does not describe these weights: projection_dim 512 but the tensors have 24/);
  const act = await clipFile(ODD, { naming: 'huggingface', config: { hiddenAct: 'gelu_new' as 'gelu' } });
  assert.throws(() => checkClipFile(act), /hidden_act "gelu_new" is not supported/);
  const noHeads = await clipFile(ODD, { naming: 'huggingface' });
  assert.throws(() => checkClipFile(noHeads), /cannot tell the vision tower's head count \(width 48 is not a multiple of 64\): put the model's config.json beside/);
  const layerScale = await clipFile(WIDE, { naming: 'openclip', extra: [['visual.transformer.resblocks.0.ls_1.gamma', [128]]] });
  assert.throws(() => checkClipFile(layerScale), /resblocks\.0\.ls_1\.gamma belongs to a block variant depthkit's CLIP does not implement/);
});

test('a checkpoint made for one CLIP refuses another activation or shape', withNumpy, async () => {
  const dir = folder();
  const quick = await writeClipFolder(dir, ODD, 2, { naming: 'huggingface', config: { hiddenAct: 'quick_gelu' } });
  await createCheckpoint({ clip: quick, out: path.join(dir, 'ckpt.safetensors'), seed: 1, maxDepth: 10 });
  const { config } = readCheckpoint(path.join(dir, 'ckpt.safetensors'));
  const gelu = await clipFile(ODD, { naming: 'huggingface', config: { hiddenAct: 'gelu' } });
  assert.throws(() => loadClipWeights(gelu, config), /CLIP weights use gelu \(layer-norm eps 0\.00001\) but the checkpoint was made for quick_gelu/);
  const other = await clipFile(WIDE, { naming: 'huggingface' });
  assert.throws(() => loadClipWeights(other, config), /CLIP weights are ViT-128w1L\/16@48 .* but the checkpoint was made for ViT-48w2L\/8@40/);
  assert.ok(existsSync(path.join(dir, 'ckpt.safetensors')));
});

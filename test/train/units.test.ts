import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { encodeNpy } from '../../src/io/npy.js';
import { encodePng16 } from '../../src/io/png16.js';
import { DepthkitError } from '../../src/errors.js';
import { conv2dFilterGrad, convTransposeFilterGrad } from '../../src/train/conv-grad.js';
import { silogLossArray, silogLoss, logTargets } from '../../src/train/loss.js';
import { learningRate, batchIndices } from '../../src/train/schedule.js';
import { AdamW } from '../../src/train/adamw.js';
import { augmentRgb, augmentDepth } from '../../src/train/augment.js';
import { loadSamples, pairFolders, readSplitList } from '../../src/train/dataset.js';
import { resizeNearest } from '../../src/metrics/resize.js';
import sharp from 'sharp';

/** Numbers from test/reference/train_ref.py (numpy, float64). */
const REF = JSON.parse(readFileSync(path.join(import.meta.dirname, '..', 'reference', 'train', 'train_ref.json'), 'utf8'));
const close = (a: number, b: number, tol: number, what: string) => assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);

await tf.setBackend('cpu');

test('silog loss matches the numpy reference (array and tfjs forms)', () => {
  const pred = Float32Array.from(REF.silog.pred as number[]);
  const gt = Float32Array.from(REF.silog.gt as number[]);
  close(silogLossArray(pred, gt), REF.silog.loss, 1e-9, 'array');
  const t = logTargets(gt);
  const loss = tf.tidy(() => silogLoss(tf, tf.tensor(pred), tf.tensor(t.logGt), tf.tensor(t.mask), t.count).dataSync()[0]);
  close(loss, REF.silog.loss, 1e-5, 'tfjs');
});

test('learning rate: linear warm-up then cosine, as the reference', () => {
  const s = REF.schedule;
  (s.values as number[]).forEach((v, step) => close(learningRate(step, { lr: s.lr, warmup: s.warmup, steps: s.steps, finalLrRatio: s.final }), v, 1e-12, `step ${step}`));
});

test('AdamW: two steps match the reference, decay on decoder weights only', async () => {
  const a = REF.adamw;
  const params = new Map([
    ['decoder.proj.weight', tf.variable(tf.tensor(a.w0 as number[]))],
    ['decoder.proj.bias', tf.variable(tf.tensor(a.w0 as number[]))],
    ['mirror', tf.variable(tf.tensor(a.w0 as number[]))],
  ]);
  const opt = new AdamW(tf, params, { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: a.weight_decay });
  (a.grads as number[][]).forEach((g, i) => {
    const grads = Object.fromEntries([...params.keys()].map((n) => [n, tf.tensor(g)]));
    opt.apply(grads, a.lrs[i]);
  });
  const got = (n: string) => Array.from(params.get(n)!.dataSync());
  got('decoder.proj.weight').forEach((v, i) => close(v, a.decayed[i], 1e-5, 'decayed'));
  for (const n of ['decoder.proj.bias', 'mirror']) got(n).forEach((v, i) => close(v, a.not_decayed[i], 1e-5, n));
  assert.equal((await opt.state()).step, 2);
});

test('conv filter gradients equal tfjs-cpu\'s own Conv2DBackpropFilter', () => {
  const x = tf.randomNormal([2, 5, 6, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
  const r = tf.randomNormal([2, 5, 6, 4], 0, 1, 'float32', 2);
  const f = tf.randomNormal([3, 3, 3, 4], 0, 1, 'float32', 3) as tf.Tensor4D;
  const want = tf.grad((ff: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(x, ff as tf.Tensor4D, 1, 1), r)))(f);
  const got = conv2dFilterGrad({ data: x.dataSync() as Float32Array, shape: [2, 5, 6, 3] }, { data: r.dataSync() as Float32Array, shape: [2, 5, 6, 4] }, 3, 3, 1);
  want.dataSync().forEach((v, i) => close(got[i], v, 1e-4, `conv ${i}`));

  const ft = tf.randomNormal([2, 2, 4, 3], 0, 1, 'float32', 4) as tf.Tensor4D; // [kh, kw, out, in]
  const rt = tf.randomNormal([2, 10, 12, 4], 0, 1, 'float32', 5);
  const wantT = tf.grad((ff: tf.Tensor) => tf.sum(tf.mul(tf.conv2dTranspose(x, ff as tf.Tensor4D, [2, 10, 12, 4], 2, 'valid'), rt)))(ft);
  const gotT = convTransposeFilterGrad({ data: x.dataSync() as Float32Array, shape: [2, 5, 6, 3] }, { data: rt.dataSync() as Float32Array, shape: [2, 10, 12, 4] }, 2, 2, 2);
  wantT.dataSync().forEach((v, i) => close(gotT[i], v, 1e-4, `deconv ${i}`));
});

test('batches are a pure function of (seed, step) and cover each epoch once', () => {
  const epoch = Array.from({ length: 5 }, (_, s) => batchIndices(s, 2, 10, 9)).flat();
  assert.deepEqual([...epoch].sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.deepEqual(batchIndices(3, 2, 10, 9), batchIndices(3, 2, 10, 9));
  assert.notDeepEqual(batchIndices(0, 4, 10, 9), batchIndices(0, 4, 10, 10));
});

test('flip moves RGB and depth together; jitter leaves depth alone', () => {
  const rgb = { data: Uint8Array.from([10, 20, 30, 40, 50, 60]), width: 2, height: 1 };
  const a = { flip: true, brightness: 1, contrast: 1, saturation: 1 };
  assert.deepEqual(Array.from(augmentRgb(rgb, a).data), [40, 50, 60, 10, 20, 30]);
  assert.deepEqual(Array.from(augmentDepth(Float32Array.of(1, 2), 2, 1, a)), [2, 1]);
  const b = augmentRgb(rgb, { flip: false, brightness: 2, contrast: 1, saturation: 1 });
  assert.deepEqual(Array.from(b.data), [20, 40, 60, 80, 100, 120]);
});

test('nearest depth resize never blends valid and invalid pixels', () => {
  const out = resizeNearest({ data: Float32Array.of(0, 4, 2, 8), width: 2, height: 2 }, 4, 4);
  assert.deepEqual(Array.from(out.data.slice(0, 4)), [0, 0, 4, 4]);
  assert.ok(out.data.every((v) => [0, 4, 2, 8].includes(v)));
});

async function tinySet(dir: string, depth: (i: number) => Uint16Array | Float32Array, ext = '.png'): Promise<string> {
  mkdirSync(path.join(dir, 'rgb'), { recursive: true });
  mkdirSync(path.join(dir, 'depth'), { recursive: true });
  const lines: string[] = [];
  for (let i = 0; i < 2; i++) {
    await sharp(Buffer.alloc(8 * 8 * 3, 100), { raw: { width: 8, height: 8, channels: 3 } }).png().toFile(path.join(dir, 'rgb', `${i}.png`));
    const d = depth(i);
    writeFileSync(path.join(dir, 'depth', `${i}${ext}`), d instanceof Uint16Array ? encodePng16(d, 8, 8) : encodeNpy(d, [8, 8]));
    lines.push(`rgb/${i}.png depth/${i}${ext} 518.8579`);
  }
  writeFileSync(path.join(dir, 'train.txt'), lines.join('\n') + '\n');
  return path.join(dir, 'train.txt');
}

const opts = { width: 8, height: 8, depthScale: 1000, minDepth: 1e-3, maxDepth: 10 };

test('datasets: lists with a focal column, folders by stem, and one-line errors naming the file', async () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'dk-train-data-'));
  const good = await tinySet(path.join(tmp, 'good'), () => new Uint16Array(64).fill(2500));
  const pairs = await readSplitList(good);
  assert.equal(pairs.length, 2);
  const samples = await loadSamples(pairs, { ...opts, width: 4, height: 4 });
  assert.equal(samples[0].depth.length, 16);
  assert.ok(samples[0].depth.every((v) => Math.abs(v - 2.5) < 1e-6));
  assert.equal((await pairFolders(path.join(tmp, 'good', 'rgb'), path.join(tmp, 'good', 'depth'))).length, 2);

  const fails = async (p: Promise<unknown>, file: string, re: RegExp) => {
    await assert.rejects(p, (e: Error) => e instanceof DepthkitError && e.message.includes(file) && re.test(e.message) && !e.message.includes('\n'));
  };
  writeFileSync(path.join(tmp, 'empty.txt'), '# nothing\n');
  await fails(readSplitList(path.join(tmp, 'empty.txt')), 'empty.txt', /names no rgb\/depth pair/);
  await fails(readSplitList(path.join(tmp, 'absent.txt')), 'absent.txt', /not found/);
  writeFileSync(path.join(tmp, 'missing.txt'), 'rgb/9.png depth/9.png\n');
  await fails(loadSamples(await readSplitList(path.join(tmp, 'missing.txt')), opts), '9.png', /file not found/);
  const zero = await tinySet(path.join(tmp, 'zero'), () => new Uint16Array(64));
  await fails(loadSamples(await readSplitList(zero), opts), '0.png', /no valid depth/);
  const nan = await tinySet(path.join(tmp, 'nan'), (i) => new Float32Array(64).fill(i ? NaN : 1), '.npy');
  await fails(loadSamples(await readSplitList(nan), { ...opts, depthScale: 1 }), '1.npy', /depth value NaN/);
  const neg = await tinySet(path.join(tmp, 'neg'), () => new Float32Array(64).fill(-1), '.npy');
  await fails(loadSamples(await readSplitList(neg), { ...opts, depthScale: 1 }), '0.npy', /depth value -1/);
  writeFileSync(path.join(tmp, 'good', 'rgb', 'extra.png'), readFileSync(path.join(tmp, 'good', 'rgb', '0.png')));
  await fails(pairFolders(path.join(tmp, 'good', 'rgb'), path.join(tmp, 'good', 'depth')), 'extra.png', /no depth file/);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import type * as tfTypes from '@tensorflow/tfjs';
import { initTf } from '../../src/model/backend.js';
import { TfOps } from '../../src/model/ops-tf.js';
import type { Ops } from '../../src/model/ops.js';
import { OnnxEmitter } from '../../src/model/onnx/emitter.js';
import type { OnnxValue } from '../../src/model/onnx/graph.js';
import { createSession } from '../../src/model/onnx/session.js';
import { loadOnnxDepthModel } from '../../src/model/onnx/onnx-depth-model.js';
import { loadModelWeights } from '../../src/model/load-weights.js';
import { TfDepthRunner } from '../../src/model/tf-runner.js';
import { chooseEngine, probeEngines, ENGINES } from '../../src/model/engine.js';
import { normalSampler } from '../../src/util/random.js';
import { MODEL_REF as REF, TINY_CKPT as CKPT, TINY_CLIP as CLIP, readRefNpy, refFrames, relErr } from '../helpers/model-reference.js';


const flat = (maps: { data: Float32Array }[]) => new Float32Array(maps.flatMap((m) => [...m.data]));

/**
 * Each op, emitted as ONNX and run by ONNX Runtime, against the same op on tfjs' cpu backend. `x` is the graph's
 * input with a dynamic batch of 2; every other operand is a constant, as in the model.
 */
const OP_CASES: { name: string; x: number[]; build: <T>(o: Ops<T>, x: T, c: (shape: number[]) => T) => T }[] = [
  { name: 'matMul weight^T + add', x: [2, 5, 6], build: (o, x, c) => o.add(o.matMul(x, c([4, 6]), { transposeB: true }), c([4])) },
  { name: 'batched matMul with activation^T', x: [2, 3, 5, 4], build: (o, x) => o.matMul(x, o.scale(x, 0.5), { transposeB: true }) },
  { name: 'sub, mul, layerNorm', x: [2, 3, 8], build: (o, x, c) => o.layerNorm(o.mul(o.sub(x, c([8])), c([3, 1])), c([8]), c([8]), 1e-5) },
  { name: 'softmax, quickGelu, relu, sigmoid', x: [2, 4, 6], build: (o, x) => o.add(o.softmax(x), o.relu(o.quickGelu(o.sigmoid(x)))) },
  { name: 'gelu (erf form)', x: [2, 4, 6], build: (o, x) => o.gelu(o.scale(x, 3)) },
  { name: 'reshape, transpose, slice, concat', x: [2, 6, 4], build: (o, x) => o.concat([o.slice(o.transpose(o.reshape(x, [-1, 3, 2, 4]), [0, 2, 1, 3]), [0, 1, 0, 1], [-1, 1, -1, 3]), o.slice(o.reshape(x, [-1, 2, 3, 4]), [0, 0, 1, 0], [-1, 1, 1, 3])], 2) },
  { name: 'conv2d stride 2 without bias, conv 3x3 pad 1', x: [2, 8, 6, 3], build: (o, x, c) => o.conv2d(o.conv2d(x, c([5, 3, 2, 2]), undefined, { stride: 2, pad: 0 }), c([4, 5, 3, 3]), c([4]), { stride: 1, pad: 1 }) },
  { name: 'convTranspose2d 2x2 stride 2', x: [2, 3, 4, 5], build: (o, x, c) => o.relu(o.convTranspose2d(x, c([5, 3, 2, 2]), c([3]), { stride: 2 })) },
  { name: 'resizeBilinear up and down', x: [2, 4, 6, 2], build: (o, x) => o.resizeBilinear(o.resizeBilinear(x, { height: 7, width: 11 }), { height: 3, width: 5 }) },
  { name: 'broadcastBatch', x: [2, 3, 4], build: (o, x, c) => o.concat([o.broadcastBatch(c([1, 1, 4]), x), x], 1) },
];

test('every Ops method emitted as ONNX matches tfjs to 1e-5', async () => {
  const tf = await initTf('cpu');
  for (const [i, { name, x: xShape, build }] of OP_CASES.entries()) {
    const normal = normalSampler(100 + i);
    const consts: Float32Array[] = [];
    const constant = (k: number, shape: number[]) => (consts[k] ??= normal(shape.reduce((a, b) => a * b, 1), 1));
    const xData = normal(xShape.reduce((a, b) => a * b, 1), 1);

    const em = new OnnxEmitter();
    let k = 0;
    const xIn = em.graph.input('x', [-1, ...xShape.slice(1)], 'float32');
    const out = build<OnnxValue>(em, xIn, (shape) => em.constant(`c${k}`, shape, constant(k++, shape)));
    em.graph.output(out, 'y');
    const session = await createSession(em.graph.encode({ graphName: name }));
    const got = (await session.run({ x: new ort.Tensor('float32', xData, xShape) })).y;
    await session.release();

    const ops = new TfOps(tf);
    k = 0;
    const want = tf.tidy(() => build<tfTypes.Tensor>(ops, tf.tensor(xData, xShape), (shape) => ops.constant(`c${k}`, shape, constant(k++, shape))));
    assert.deepEqual([...got.dims], want.shape, `${name}: shape`);
    assert.deepEqual(out.shape.slice(1), want.shape.slice(1), `${name}: emitter's static shape`);
    const e = relErr(got.data as Float32Array, want.dataSync());
    want.dispose();
    ops.dispose();
    assert.ok(e < 1e-5, `${name}: rel err ${e}`);
  }
});

for (const c of ['square', 'wide']) {
  test(`ONNX Runtime depth (${c}) equals the numpy reference and the tfjs forward pass to 1e-4`, async () => {
    const input = refFrames(path.join(REF, `frames-${c}.npy`));
    const inputSize = { width: input[0].width, height: input[0].height };
    const model = await loadOnnxDepthModel({ checkpoint: CKPT, clip: CLIP, inputSize, cacheDir: false, batch: 2 });
    const onnx = flat(await model.predict(input));
    await model.dispose();
    const numpy = readRefNpy(path.join(REF, c, 'depth.npy')).data;
    assert.ok(relErr(onnx, numpy) < 1e-4, `vs numpy: ${relErr(onnx, numpy)}`);

    const loaded = loadModelWeights({ checkpoint: CKPT, clip: CLIP, inputSize });
    const runner = new TfDepthRunner(await initTf('cpu'), loaded.weights, loaded.config);
    const tfjs = flat(await runner.predict(input));
    runner.dispose();
    assert.ok(relErr(onnx, tfjs) < 1e-4, `vs tfjs: ${relErr(onnx, tfjs)}`);
  });
}

test('a batch of frames gives each frame the depth it gets alone (dynamic batch axis)', async () => {
  const input = refFrames(path.join(REF, 'frames-square.npy'));
  const batched = await loadOnnxDepthModel({ checkpoint: CKPT, clip: CLIP, cacheDir: false, batch: 3 });
  const both = await batched.predict([input[1], input[0], input[1]]);
  await batched.dispose();
  await batched.dispose(); // a second dispose (runVideo's, then its caller's) is a no-op, not a "workers stopped" error
  const single = await loadOnnxDepthModel({ checkpoint: CKPT, clip: CLIP, cacheDir: false, batch: 1 });
  const alone = await single.predict([input[0]]);
  await single.dispose();
  assert.ok(relErr(both[1].data, alone[0].data) < 1e-6);
  assert.deepEqual(both[0].data, both[2].data);
});

test('the graph cache is reused when intact and rebuilt when corrupt or unloadable', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'depthkit-onnx-cache-'));
  const input = refFrames(path.join(REF, 'frames-square.npy')).slice(0, 1);
  const load = async () => {
    const lines: string[] = [];
    const model = await loadOnnxDepthModel({ checkpoint: CKPT, clip: CLIP, cacheDir: dir, log: (l) => lines.push(l) });
    const depth = (await model.predict(input))[0].data;
    await model.dispose();
    return { lines: lines.join('\n'), depth };
  };
  const first = await load();
  assert.match(first.lines, /built the graph in [\d.]+ s \(not cached\)/);
  const onnxFile = readdirSync(dir).find((f) => f.endsWith('.onnx'))!;
  assert.ok(onnxFile);
  const file = path.join(dir, onnxFile);

  const second = await load();
  assert.match(second.lines, /reused .*\.onnx \(hashed and verified in/);
  assert.deepEqual(second.depth, first.depth);

  // Flipped bytes: the stored hash no longer matches.
  const bytes = readFileSync(file);
  bytes[bytes.length >> 1] ^= 0xff;
  writeFileSync(file, bytes);
  const third = await load();
  assert.match(third.lines, /built the graph .*cached file does not match its hash/);
  assert.deepEqual(third.depth, first.depth);

  // Garbage whose hash was rewritten to match: the session refuses it, and the graph is rebuilt.
  writeFileSync(file, 'not a model');
  writeFileSync(`${file}.sha256`, `${(await import('node:crypto')).createHash('sha256').update('not a model').digest('hex')}\n`);
  const fourth = await load();
  assert.match(fourth.lines, /built the graph .*cached file failed to load/);
  assert.deepEqual(fourth.depth, first.depth);
  assert.ok(readFileSync(file).length > 1000, 'the cache holds the rebuilt model again');
});

test('engines are probed in auto order; onnx is always available and --backend onnx resolves to a real engine', async () => {
  const rows = await probeEngines();
  assert.deepEqual(rows.map((r) => r.name), [...ENGINES]);
  assert.ok(rows.find((r) => r.name === 'onnx')!.available);
  const cuda = rows.find((r) => r.name === 'onnx-cuda')!;
  const auto = await chooseEngine('auto', rows);
  assert.equal(auto.engine, rows.find((r) => r.available && !r.autoSkip)!.name);
  assert.equal((await chooseEngine('onnx', rows)).engine, cuda.available ? 'onnx-cuda' : 'onnx');
  if (!cuda.available) assert.match(cuda.detail, /ONNXRUNTIME_NODE_INSTALL=cuda12 node node_modules\/onnxruntime-node\/script\/install|installed, but missing lib|no GPU session starts/);
  await assert.rejects(chooseEngine('tensorflow-gpu', [...rows.map((r) => ({ ...r, available: r.name !== 'tensorflow-gpu' && r.available }))]), /backend tensorflow-gpu is not available/);
});

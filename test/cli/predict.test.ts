import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import * as ort from 'onnxruntime-node';
import { readDepthMap } from '../../src/io/depth-file.js';
import { relErr } from '../helpers/model-reference.js';

const ROOT = path.join(import.meta.dirname, '..', '..');
const REF = path.join(import.meta.dirname, '..', 'reference', 'model');
const CLIP = path.join(REF, 'clip-tiny.safetensors');
const CKPT = path.join(REF, 'ckpt-tiny.safetensors');

/**
 * Runs a command class from src/ in a child process, as bin/run.js would after a build (bin/dev.js only finds
 * commands that already exist in dist/). Returns exit status, stdout and stderr.
 */
function cli(command: string, args: string[], env: Record<string, string> = {}): { status: number; stdout: string; stderr: string } {
  const code = `const [m, ...a] = process.argv.slice(1); const { default: C } = await import(m);
try { await C.run(a, ${JSON.stringify(ROOT)}); } catch (e) { if (!e?.oclif) console.error(e); process.exitCode = e?.oclif?.exit ?? 1; }`;
  const r = spawnSync('node', ['--import', 'tsx', '--input-type=module', '-e', code, '--', path.join(ROOT, 'src', 'commands', `${command}.ts`), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, ...env },
  });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** A smooth colour pattern: the tiny model's depth varies with it, so outputs differ across pixels and images. */
function pattern(width: number, height: number, seed: number): Buffer {
  const data = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      data[i] = (x * 7 + seed * 40) % 256;
      data[i + 1] = (y * 11 + x * 3) % 256;
      data[i + 2] = (128 + 100 * Math.sin((x + y + seed) / 5)) | 0;
    }
  }
  return data;
}

async function makeImages(dir: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const raw = (w: number, h: number, s: number) => sharp(pattern(w, h, s), { raw: { width: w, height: h, channels: 3 } });
  await raw(40, 30, 1).png().toFile(path.join(dir, 'a.png'));
  await raw(50, 20, 2).jpeg({ quality: 95 }).toFile(path.join(dir, 'b.jpg'));
  await raw(24, 36, 3).webp({ lossless: true }).toFile(path.join(dir, 'c.webp'));
  writeFileSync(path.join(dir, 'notes.txt'), 'not an image, and not listed');
}

test('depthkit predict: --backend onnx and --backend wasm write the same depth maps (1e-4), one per image, at its size', async () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'depthkit-predict-'));
  const images = path.join(tmp, 'images');
  await makeImages(images);
  const env = { DEPTHKIT_CACHE: path.join(tmp, 'cache') };
  const run = (backend: string, out: string, save = 'npy', input = images) => {
    // One wasm worker: each extra worker thread would load tsx and the model again.
    const workers = backend === 'wasm' ? ['--workers', '1'] : [];
    const r = cli('predict', [input, '--checkpoint', CKPT, '--clip', CLIP, '--out', out, '--backend', backend, '--save', save, ...workers, '--json'], env);
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout) as { model: string; images: { input: string; output: string }[] };
  };
  const onnx = run('onnx', path.join(tmp, 'onnx'));
  assert.match(onnx.model, /onnxruntime/);
  assert.deepEqual(onnx.images.map((i) => path.basename(i.output)), ['a.npy', 'b.npy', 'c.npy']);
  const wasm = run('wasm', path.join(tmp, 'wasm'));
  assert.match(wasm.model, /tfjs wasm/);
  const sizes: Record<string, [number, number]> = { a: [40, 30], b: [50, 20], c: [24, 36] };
  for (const stem of ['a', 'b', 'c']) {
    const x = await readDepthMap(path.join(tmp, 'onnx', `${stem}.npy`));
    const y = await readDepthMap(path.join(tmp, 'wasm', `${stem}.npy`));
    assert.deepEqual([x.width, x.height], sizes[stem]);
    assert.ok(relErr(x.data, y.data) < 1e-4, `${stem}: ${relErr(x.data, y.data)}`);
    assert.ok(Math.max(...x.data) - Math.min(...x.data) > 1e-3, `${stem}: depth varies across the image`);
  }
  // A glob picks its matches only; png16 stores millimetres of the same prediction.
  run('onnx', path.join(tmp, 'png'), 'png16', path.join(images, '*.p?g'));
  // Without --json the result line is on stdout, like every command's "wrote ..." line.
  const plain = cli('predict', [path.join(images, 'a.png'), '--checkpoint', CKPT, '--clip', CLIP, '--out', path.join(tmp, 'plain'), '--backend', 'onnx'], env);
  assert.equal(plain.status, 0, plain.stderr);
  assert.match(plain.stdout, /^wrote 1 depth map\(s\) to .*plain \(/m);
  assert.deepEqual(readdirSync(path.join(tmp, 'png')), ['a.png']);
  const mm = await readDepthMap(path.join(tmp, 'png', 'a.png'), { scale: 1000 });
  const m = await readDepthMap(path.join(tmp, 'onnx', 'a.npy'));
  assert.ok(m.data.every((v, i) => Math.abs(v - mm.data[i]) <= 0.0005 + 1e-6));
});

test('depthkit predict: bad inputs are one-line errors naming the file, exit non-zero, and write nothing', async () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'depthkit-predict-bad-'));
  const images = path.join(tmp, 'images');
  await makeImages(images);
  writeFileSync(path.join(images, 'broken.png'), 'this is text, not a PNG');
  const base = ['--checkpoint', CKPT, '--clip', CLIP, '--backend', 'onnx'];
  const env = { DEPTHKIT_CACHE: path.join(tmp, 'cache') };
  const oneLine = (r: { status: number; stderr: string }, re: RegExp, status: number) => {
    assert.equal(r.status, status, r.stderr);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, re);
  };

  const out = path.join(tmp, 'out');
  oneLine(cli('predict', [images, ...base, '--out', out], env), /^depthkit: .*broken\.png: not a readable jpg, png or webp image/, 2);
  assert.deepEqual(readdirSync(tmp).sort(), ['images'], 'no output folder, no cache: nothing started');

  const empty = path.join(tmp, 'empty');
  mkdirSync(empty);
  oneLine(cli('predict', [empty, ...base, '--out', out], env), /^depthkit: .*empty: no \.jpg, \.jpeg, \.png, \.webp images/, 2);

  const blocker = path.join(tmp, 'a-file');
  writeFileSync(blocker, '');
  oneLine(cli('predict', [path.join(images, 'a.png'), ...base, '--out', path.join(blocker, 'sub')], env), /^depthkit: .*a-file\/sub: output folder is not writable \(ENOTDIR\)/, 1);
  oneLine(cli('predict', [path.join(tmp, 'missing.jpg'), ...base, '--out', out], env), /missing\.jpg: not found/, 2);
  assert.ok(!readdirSync(tmp).includes('out'));
});

test('depthkit model export writes one opset-17 file: uint8 NHWC pixels in, depth [batch, H, W] out', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'depthkit-export-'));
  const out = path.join(dir, 'model.onnx');
  const r = cli('model/export', ['--checkpoint', CKPT, '--clip', CLIP, '--out', out, '--json']);
  assert.equal(r.status, 0, r.stderr);
  const report = JSON.parse(r.stdout);
  assert.equal(report.file, out);
  assert.equal(report.opset, 17);
  assert.deepEqual(report.input, { name: 'pixels', dtype: 'uint8', shape: ['batch', 32, 32, 3] });
  const session = await ort.InferenceSession.create(out);
  assert.deepEqual(session.inputNames, ['pixels']);
  assert.deepEqual(session.outputNames, ['depth']);
  // The committed numpy reference (H3's model_ref.py) on its two frames, fed as one batch.
  const frames = readFileSync(path.join(REF, 'frames-square.npy'));
  const pixels = new Uint8Array(frames.subarray(frames.length - 2 * 32 * 32 * 3));
  const depth = (await session.run({ pixels: new ort.Tensor('uint8', pixels, [2, 32, 32, 3]) })).depth;
  await session.release();
  assert.deepEqual([...depth.dims], [2, 32, 32]);
  const ref = readFileSync(path.join(REF, 'square', 'depth.npy'));
  const want = new Float32Array(new Uint8Array(ref.subarray(ref.length - 2 * 32 * 32 * 4)).buffer);
  assert.ok(relErr(depth.data as Float32Array, want) < 1e-4);
  assert.doesNotMatch(readFileSync(out).toString('latin1'), /text_model/, 'the text tower is folded into the stored conditioning vector');

  const bad = cli('model/export', ['--checkpoint', CKPT, '--clip', CLIP, '--out', path.join(dir, 'no', 'such', 'model.onnx')]);
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /^depthkit: .*no\/such\/model\.onnx: cannot write, its folder does not exist \(ENOENT\)\n$/);
});

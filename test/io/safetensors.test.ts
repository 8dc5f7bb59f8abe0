import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { encodeSafetensors, openSafetensors, readSafetensors, writeSafetensors } from '../../src/io/safetensors.js';
import { FormatError } from '../../src/errors.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'depthkit-st-'));

/** A file from a raw header object and data bytes, as another writer (e.g. Python's safetensors) would lay it out. */
function rawFile(name: string, header: unknown, data: Uint8Array, headerLen?: bigint): string {
  const json = Buffer.from(JSON.stringify(header));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(headerLen ?? BigInt(json.length));
  const file = path.join(tmp, name);
  writeFileSync(file, Buffer.concat([len, json, data]));
  return file;
}

test('float32 tensors and metadata round-trip bit-exactly; the header is padded to 8 bytes', async () => {
  const a = { shape: [2, 3], data: Float32Array.from([1.5, -0, NaN, Infinity, 3.4e38, 1e-45]) };
  const b = { shape: [], data: Float32Array.of(7) };
  const file = path.join(tmp, 'rt.safetensors');
  await writeSafetensors(file, [['a', a], ['b.c', b]], { depthkit: '{"x":1}' });
  const bytes = readFileSync(file);
  assert.equal(Number(bytes.readBigUInt64LE(0)) % 8, 0);
  const back = readSafetensors(file);
  assert.deepEqual(back.metadata, { depthkit: '{"x":1}' });
  assert.deepEqual([...back.tensors.keys()], ['a', 'b.c']);
  assert.deepEqual(new Uint8Array(back.tensors.get('a')!.data.buffer), new Uint8Array(a.data.buffer));
  assert.deepEqual(back.tensors.get('b.c'), b);
  assert.deepEqual(encodeSafetensors([['a', a], ['b.c', b]], { depthkit: '{"x":1}' }), new Uint8Array(bytes));
});

test('F16 and BF16 are widened to float32 exactly; other dtypes are listed but not read', () => {
  const f16 = Uint16Array.from([0x3c00, 0xc000, 0x3800, 0x0001, 0x7c00, 0xfbff]);
  const bf16 = Uint16Array.from([0x3f80, 0xc040, 0x0000]);
  const i64 = new BigInt64Array([1n, 2n]);
  const data = Buffer.concat([Buffer.from(f16.buffer), Buffer.from(bf16.buffer), Buffer.from(i64.buffer)]);
  const file = rawFile('half.safetensors', {
    h: { dtype: 'F16', shape: [6], data_offsets: [0, 12] },
    bh: { dtype: 'BF16', shape: [3], data_offsets: [12, 18] },
    ids: { dtype: 'I64', shape: [1, 2], data_offsets: [18, 34] },
  }, data);
  const r = openSafetensors(file);
  try {
    assert.deepEqual([...r.read('h').data], [1, -2, 0.5, 2 ** -24, Infinity, -65504]);
    assert.deepEqual([...r.read('bh').data], [1, -3, 0]);
    assert.deepEqual(r.tensors.get('ids')!.shape, [1, 2]);
    assert.throws(() => r.read('ids'), /half\.safetensors: tensor ids: dtype I64 is not supported/);
    assert.throws(() => r.read('nope'), /no tensor named nope/);
  } finally {
    r.close();
  }
});

test('malformed headers are FormatErrors naming the file, raised before any tensor is allocated', () => {
  const f32 = (offsets: [number, number], shape = [2]) => ({ dtype: 'F32', shape, data_offsets: offsets });
  const cases: [string, () => string, RegExp][] = [
    ['tiny', () => { writeFileSync(path.join(tmp, 'tiny.safetensors'), Buffer.alloc(5)); return path.join(tmp, 'tiny.safetensors'); }, /not a safetensors file \(5 bytes\)/],
    ['huge header', () => rawFile('huge.safetensors', {}, new Uint8Array(0), 1n << 40n), /header length 1099511627776/],
    ['bad json', () => { const f = rawFile('json.safetensors', {}, new Uint8Array(0)); const b = readFileSync(f); b[8] = 0x5b; b[9] = 0x5b; writeFileSync(f, b); return f; }, /header is not valid JSON|not a JSON object/],
    ['past end', () => rawFile('trunc.safetensors', { a: f32([0, 8]) }, new Uint8Array(4)), /tensor a: data_offsets 0..8 run past the end/],
    ['size', () => rawFile('size.safetensors', { a: f32([0, 8], [3]) }, new Uint8Array(12)), /tensor a: 8 bytes for shape \[3\] F32/],
    ['overlap', () => rawFile('overlap.safetensors', { a: f32([0, 8]), b: f32([4, 12]) }, new Uint8Array(12)), /tensors a and b overlap/],
    ['dtype', () => rawFile('dtype.safetensors', { a: { dtype: 'Q4', shape: [1], data_offsets: [0, 1] } }, new Uint8Array(1)), /tensor a: unknown dtype Q4/],
    ['shape', () => rawFile('shape.safetensors', { a: { dtype: 'F32', shape: [-1], data_offsets: [0, 4] } }, new Uint8Array(4)), /tensor a: bad shape/],
    ['metadata', () => rawFile('meta.safetensors', { __metadata__: { k: 1 } }, new Uint8Array(0)), /__metadata__\.k is not a string/],
  ];
  for (const [label, make, message] of cases) {
    const file = make();
    assert.throws(() => openSafetensors(file), (err: unknown) => {
      assert.ok(err instanceof FormatError, label);
      assert.ok(err.message.startsWith(`${file}: `), `${label}: ${err.message}`);
      assert.match(err.message, message, label);
      return true;
    });
  }
  assert.throws(() => openSafetensors(path.join(tmp, 'absent.safetensors')), /absent\.safetensors: cannot open \(ENOENT\)/);
});

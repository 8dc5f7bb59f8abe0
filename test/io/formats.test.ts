import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { promises as fs, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import { zipSync } from 'fflate';
import { DepthkitError, FormatError } from '../../src/errors.js';
import { encodeNpy, npyToDepthMap, readNpy, readNpyDepthMap, writeNpy } from '../../src/io/npy.js';
import { listNpzKeys, npyStack, openNpzStack, readNpz, streamNpzFrames } from '../../src/io/npz.js';
import { encodePng16, readPng16, writePng16 } from '../../src/io/png16.js';
import { readPfm, writePfm } from '../../src/io/pfm.js';
import { readFlo, writeFlo } from '../../src/io/flo.js';
import { readDepthMap, writeDepthMap } from '../../src/io/depth-file.js';
import { pairByStem } from '../../src/data/pairs.js';

const REF = path.join(import.meta.dirname, '..', 'reference', 'io');
const SCRIPT = path.join(import.meta.dirname, '..', 'reference', 'io_ref.py');
interface Expected {
  shape: number[];
  values: number[];
}
const EXP = JSON.parse(readFileSync(path.join(REF, 'expected.json'), 'utf8')) as Record<string, Expected> & {
  npz: { keys: string[]; depth: Expected; mask: Expected; other: Expected };
  'flow.flo': { u: Expected; v: Expected };
};

const tmp = () => fs.mkdtemp(path.join(os.tmpdir(), 'depthkit-io-'));
const ref = (name: string) => path.join(REF, name);
/** Bytes of a float array, so that NaN payloads and -0 count in "bit-exact". */
const bits = (a: Float32Array | Uint16Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

const hasNumpy = spawnSync('python3', ['-c', 'import numpy'], { stdio: 'ignore' }).status === 0;

async function readAny(file: string): Promise<unknown> {
  const ext = path.extname(file);
  if (ext === '.npz') {
    // The in-memory and the streaming reader must agree on whether a damaged archive is readable.
    const [stream, stack] = await Promise.allSettled([collectFrames(file, 'depth', 16), openNpzStack(file, 'depth')]);
    if (stream.status === 'rejected' && stack.status === 'rejected') throw stream.reason;
    if (stream.status === 'rejected' || stack.status === 'rejected') throw new Error(`${file}: streaming and in-memory npz readers disagree`);
    return stream.value;
  }
  if (ext === '.flo') return readFlo(file);
  if (ext === '.pfm') return readPfm(file);
  return readDepthMap(file);
}

async function collectFrames(file: string, key: string, chunkBytes?: number): Promise<number[][]> {
  const frames: number[][] = [];
  for await (const f of streamNpzFrames(file, key, chunkBytes)) frames.push(Array.from(f.data));
  return frames;
}

/** The reader must fail with a FormatError whose one-line message names the file. */
async function assertFormatError(file: string, pattern?: RegExp): Promise<void> {
  await assert.rejects(readAny(file), (err: unknown) => {
    assert.ok(err instanceof FormatError, `expected FormatError for ${path.basename(file)}, got ${String(err)}`);
    assert.ok(err.message.includes(file), err.message);
    assert.ok(!err.message.includes('\n'), err.message);
    if (pattern) assert.match(err.message, pattern);
    return true;
  });
}

test('numpy-written .npy files read to the exact values in every dtype, byte order, order and version', async () => {
  const names = Object.keys(EXP).filter((k) => k.endsWith('.npy'));
  assert.ok(names.length >= 15);
  for (const name of names) {
    const arr = await readNpy(ref(name));
    assert.deepEqual(arr.shape, EXP[name].shape, name);
    assert.deepEqual(Array.from(arr.data), EXP[name].values, name);
  }
  assert.equal((await readNpy(ref('u2_be.npy'))).dtype, '>u2');
  // 2**24 + 1 has no float32: the conversion rounds like numpy's astype(float32).
  assert.equal((await readNpy(ref('i4_le.npy'))).data[6], 2 ** 24);
});

test('a 2-D map is read from (H,W), (1,H,W) and (H,W,1); a (T,H,W) stack is refused as a single map', async () => {
  for (const name of ['f4_le.npy', '1hw.npy', 'hw1.npy']) {
    const map = await readNpyDepthMap(ref(name));
    assert.deepEqual([map.width, map.height], [4, 3], name);
  }
  assert.throws(() => npyToDepthMap({ shape: [2, 3, 4], data: new Float32Array(24), dtype: '<f4' }, 'x.npy'), /x\.npy: .*shape \(2, 3, 4\)/);
  await assertFormatError(ref('thw.npy'), /\(2, 3, 4\)/);
});

test('npz: keys, every member of stored and deflated archives, and a stack frame by frame', async () => {
  for (const archive of ['stored.npz', 'deflated.npz']) {
    const file = ref(archive);
    assert.deepEqual(await listNpzKeys(file), EXP.npz.keys);
    for (const key of ['depth', 'mask', 'other'] as const) {
      const arr = await readNpz(file, key);
      assert.deepEqual(arr.shape, EXP.npz[key].shape, `${archive}:${key}`);
      assert.deepEqual(Array.from(arr.data), EXP.npz[key].values, `${archive}:${key}`);
    }
    const stack = await openNpzStack(file, 'depth');
    assert.deepEqual([stack.frames, stack.height, stack.width], [3, 4, 5]);
    for (let t = 0; t < stack.frames; t++) {
      assert.deepEqual(Array.from(stack.frame(t).data), EXP.npz.depth.values.slice(t * 20, (t + 1) * 20));
    }
    assert.throws(() => stack.frame(3), RangeError);
    // Streaming: chunk sizes that split the header, frames and deflate blocks anywhere give the same frames.
    const frames = EXP.npz.depth.values;
    for (const chunk of [1, 7, 100, undefined]) {
      assert.deepEqual(await collectFrames(file, 'depth', chunk), [0, 1, 2].map((t) => frames.slice(t * 20, (t + 1) * 20)), `${archive} chunk ${chunk}`);
    }
    await assert.rejects(collectFrames(file, 'mask'), /expected a stack of depth maps \(T,H,W\), got shape \(3, 4\)/);
    await assert.rejects(readNpz(file, 'nope'), (e: unknown) => e instanceof FormatError && e.message.includes(file) && /has: depth, mask, other/.test(e.message));
  }
  assert.throws(() => npyStack(readFileSync(ref('f4_le.npy')), 'f.npy'), /f\.npy: expected a stack/);
});

test('python-written PNG (8/16-bit, every filter type), PFM (both byte orders, colour) and .flo read exactly', async () => {
  for (const name of ['grey16.png', 'grey8.png']) {
    const png = await readPng16(ref(name));
    assert.deepEqual([png.height, png.width], EXP[name].shape, name);
    assert.deepEqual(Array.from(png.data), EXP[name].values, name);
  }
  for (const name of ['le.pfm', 'be.pfm', 'colour.pfm']) {
    const pfm = await readPfm(ref(name));
    assert.deepEqual([pfm.height, pfm.width, pfm.channels].slice(0, EXP[name].shape.length), EXP[name].shape, name);
    assert.deepEqual(Array.from(pfm.data), EXP[name].values, name);
  }
  await assert.rejects(readDepthMap(ref('colour.pfm')), /colour\.pfm: colour PFM/);
  const flo = await readFlo(ref('flow.flo'));
  assert.deepEqual(Array.from(flo.u), EXP['flow.flo'].u.values);
  assert.deepEqual(Array.from(flo.v), EXP['flow.flo'].v.values);
});

test('readDepthMap divides by the scale; an unknown extension is refused', async () => {
  const map = await readDepthMap(ref('grey16.png'), { scale: 256 });
  assert.deepEqual(Array.from(map.data), EXP['grey16.png'].values.map((v) => Math.fround(Math.fround(v) / 256)));
  // The PNG path reads samples straight into float32 / scale: the same numbers as readPng16's samples divided.
  for (const [name, scale] of [['grey8.png', 1000], ['grey16.png', 1], ['grey16.png', 1000]] as const) {
    const depth = await readDepthMap(ref(name), { scale });
    assert.deepEqual(Array.from(depth.data), Array.from((await readPng16(ref(name))).data, (v) => Math.fround(v / scale)), `${name} / ${scale}`);
  }
  // A little-endian float32 .npy comes back as a view of the file's own buffer, equal to the copied decode, and
  // two reads never share memory.
  const [a, b] = [await readNpy(ref('f4_le.npy')), await readNpy(ref('f4_le.npy'))];
  assert.deepEqual(Array.from(a.data), EXP['f4_le.npy'].values);
  assert.ok(a.data.byteOffset > 0, 'a view past the header, not a copy');
  a.data[0] = 12345;
  assert.notEqual(b.data[0], 12345);
  await assert.rejects(readDepthMap('x/depth.exr'), (e: unknown) => e instanceof DepthkitError && /x\/depth\.exr: unsupported/.test(e.message));
  await assert.rejects(readDepthMap(path.join(REF, 'missing.npy')), /missing\.npy: cannot read \(ENOENT\)/);
});

/** Arrays with the values that break sloppy writers: NaN, infinities, -0, subnormals, extremes. */
function awkwardFloats(n: number): Float32Array {
  const special = [NaN, Infinity, -Infinity, -0, 0, 1.4e-45, 3.4028234663852886e38, -1e-40, 1 / 3, 80];
  return Float32Array.from({ length: n }, (_, i) => special[i] ?? Math.sin(i) * 10 ** ((i % 9) - 4));
}
const awkwardU16 = (n: number) => Uint16Array.from({ length: n }, (_, i) => [0, 65535, 1, 256, 255, 32768][i] ?? (i * 7919) % 65536);

async function writeAllFormats(dir: string) {
  const [w, h] = [7, 5];
  const f = awkwardFloats(w * h);
  const u = awkwardU16(w * h);
  await writeNpy(path.join(dir, 'f32.npy'), f, [h, w]);
  await writeNpy(path.join(dir, 'u16.npy'), u, [h, w]);
  await writeNpy(path.join(dir, 'stack.npy'), awkwardFloats(3 * w * h), [3, h, w]);
  await writePng16(path.join(dir, 'u16.png'), u, w, h);
  await writePfm(path.join(dir, 'f32.pfm'), { data: f, width: w, height: h });
  await writeFlo(path.join(dir, 'uv.flo'), { width: w, height: h, u: f, v: f.map((x) => -x) });
  return { w, h, f, u };
}

test('TS-written npy, png16, pfm and flo round-trip bit-exactly', async () => {
  const dir = await tmp();
  const { w, h, f, u } = await writeAllFormats(dir);
  const npy = await readNpy(path.join(dir, 'f32.npy'));
  assert.deepEqual([npy.shape, npy.dtype], [[h, w], '<f4']);
  assert.deepEqual(bits(npy.data), bits(f));
  const npyU = await readNpy(path.join(dir, 'u16.npy'));
  assert.equal(npyU.dtype, '<u2');
  assert.deepEqual(Array.from(npyU.data), Array.from(u));
  const png = await readPng16(path.join(dir, 'u16.png'));
  assert.deepEqual([png.width, png.height, png.bitDepth], [w, h, 16]);
  assert.deepEqual(bits(png.data), bits(u));
  const pfm = await readPfm(path.join(dir, 'f32.pfm'));
  assert.deepEqual(bits(pfm.data), bits(f));
  const flo = await readFlo(path.join(dir, 'uv.flo'));
  assert.deepEqual([bits(flo.u), bits(flo.v)], [bits(f), bits(f.map((x) => -x))]);
  // Byte for byte what np.save writes (header padded to a 64-byte boundary).
  const numpyFile = readFileSync(ref('f4_le.npy'));
  assert.deepEqual(Buffer.from(encodeNpy(Float32Array.from(EXP['f4_le.npy'].values), [3, 4])), numpyFile);
});

test('files TS writes read back in numpy (npy, stack) and in the independent PNG/PFM/flo decoders', { skip: !hasNumpy && 'python3 with numpy not found' }, async () => {
  const dir = await tmp();
  const { w, h, f, u } = await writeAllFormats(dir);
  const got = JSON.parse(execFileSync('python3', [SCRIPT, 'check', dir], { encoding: 'utf8' })) as Record<string, Expected & { dtype?: string; u?: Expected; v?: Expected }>;
  const norm = (vals: ArrayLike<number>) => Array.from(vals, (v) => (Number.isFinite(v) ? v : String(v)));
  assert.deepEqual(got['f32.npy'].shape, [h, w]);
  assert.equal(got['f32.npy'].dtype, '<f4');
  assert.deepEqual(norm(got['f32.npy'].values), norm(f));
  assert.deepEqual(got['u16.npy'].values, Array.from(u));
  assert.equal(got['u16.npy'].dtype, '<u2');
  assert.deepEqual(got['stack.npy'].shape, [3, h, w]);
  assert.deepEqual(got['u16.png'].values, Array.from(u));
  assert.deepEqual(got['u16.png'].shape, [h, w]);
  assert.deepEqual(norm(got['f32.pfm'].values), norm(f));
  assert.deepEqual(norm(got['uv.flo'].u!.values), norm(f));
});

test('writeDepthMap: png16 stores round(depth*scale) clamped, NaN/negative -> 0; npy stores depth*scale', async () => {
  const dir = await tmp();
  const map = { data: Float32Array.from([1.5, NaN, -2, 300, 0.001, 255.99, Infinity, 1 / 256]), width: 4, height: 2 };
  await writeDepthMap(path.join(dir, 'd.png'), map, 'png16', { scale: 256 });
  const png = await readPng16(path.join(dir, 'd.png'));
  assert.deepEqual(Array.from(png.data), [384, 0, 0, 65535, 0, 65533, 65535, 1]);
  const back = await readDepthMap(path.join(dir, 'd.png'), { scale: 256 });
  assert.equal(back.data[0], 1.5);
  await writeDepthMap(path.join(dir, 'd.npy'), map, 'npy', { scale: 2 });
  assert.deepEqual(Array.from((await readNpy(path.join(dir, 'd.npy'))).data), Array.from(map.data, (v) => Math.fround(v * 2)));
  assert.deepEqual(Array.from((await readDepthMap(path.join(dir, 'd.npy'), { scale: 2 })).data).slice(2), Array.from(map.data).slice(2));
  const entries = await fs.readdir(dir);
  assert.deepEqual(entries.sort(), ['d.npy', 'd.png'], 'atomic writes leave no temp files');
});

test('writeDepthMap returns what readDepthMap gives back from the file (png16 rounded, npy through float32)', async () => {
  const dir = await tmp();
  const map = { data: Float32Array.from([1.2345, 0, 7.0004, 65.6, 0.3, 1 / 3]), width: 3, height: 2 };
  const before = Array.from(map.data);
  for (const [name, format, scale] of [['a.png', 'png16', 1000], ['b.npy', 'npy', 1], ['c.npy', 'npy', 3]] as const) {
    const stored = await writeDepthMap(path.join(dir, name), map, format, { scale });
    const back = await readDepthMap(path.join(dir, name), { scale });
    assert.deepEqual(Array.from(stored.data), Array.from(back.data), name);
    assert.deepEqual([stored.width, stored.height], [3, 2]);
  }
  assert.deepEqual(Array.from(map.data), before, 'the map given is not changed');
  assert.equal((await writeDepthMap(path.join(dir, 'd.png'), map, 'png16', { scale: 1000 })).data[0], Math.fround(1.235));
});

/** A valid npy whose header text is replaced. */
function npyWithHeader(dict: string, dataBytes: number): Uint8Array {
  const header = dict.padEnd(117, ' ') + '\n';
  const out = new Uint8Array(128 + dataBytes);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0], 0);
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(Buffer.from(header, 'latin1'), 10);
  return out;
}

/** Re-signs a PNG chunk after its body was edited, so only the edit (not the CRC) is what the reader sees. */
function resignChunk(png: Uint8Array, at: number): void {
  const len = new DataView(png.buffer, png.byteOffset).getUint32(at);
  new DataView(png.buffer, png.byteOffset).setUint32(at + 8 + len, crc32(png.subarray(at + 4, at + 8 + len)) >>> 0);
}

test('hostile npy headers are FormatErrors naming the file, before any allocation', async () => {
  const dir = await tmp();
  const cases: [string, Uint8Array, RegExp][] = [
    ['huge.npy', npyWithHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (1099511627776,), }", 16), /claims shape \(1099511627776\)/],
    ['c16.npy', npyWithHeader("{'descr': '<c16', 'fortran_order': False, 'shape': (1,), }", 16), /unsupported .npy dtype '<c16'/],
    ['pipe.npy', npyWithHeader("{'descr': '|f4', 'fortran_order': False, 'shape': (1,), }", 4), /unsupported .npy dtype '\|f4'/],
    ['neg.npy', npyWithHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (-3, 4), }", 48), /negative dimension/],
    ['frac.npy', npyWithHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (2.5, 4), }", 40), /non-integer dimension '2.5'/],
    ['short.npy', npyWithHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }", 47), /holds 47/],
    ['long.npy', npyWithHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }", 49), /holds 49/],
    ['struct.npy', npyWithHeader("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }", 4), /structured/],
    ['overflow.npy', npyWithHeader("{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296), }", 8), /claims shape/],
    ['empty.npy', new Uint8Array(0), /empty file/],
    ['v9.npy', Uint8Array.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 9, 0, 0, 0, 0, 0]), /version 9/],
    ['hdrlen.npy', Uint8Array.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 2, 0, 0xff, 0xff, 0xff, 0x7f]), /implausible/],
  ];
  for (const [name, bytes, pattern] of cases) {
    await fs.writeFile(path.join(dir, name), bytes);
    await assertFormatError(path.join(dir, name), pattern);
  }
});

test('hostile zip, PNG, PFM and flo headers are FormatErrors naming the file', async () => {
  const dir = await tmp();
  const at = (name: string) => path.join(dir, name);
  const goodNpy = readFileSync(ref('thw.npy'));
  await fs.writeFile(at('evil.npz'), zipSync({ '../depth.npy': goodNpy }));
  await assert.rejects(listNpzKeys(at('evil.npz')), (e: unknown) => e instanceof FormatError && e.message.includes(at('evil.npz')) && /unsafe path '\.\.\/depth\.npy'/.test(e.message));
  await fs.writeFile(at('abs.npz'), zipSync({ '/etc/depth.npy': goodNpy }));
  await assert.rejects(listNpzKeys(at('abs.npz')), /unsafe path/);
  // A central directory claiming a 4 GiB member from a few hundred compressed bytes is refused before inflating.
  const bomb = Buffer.from(readFileSync(ref('deflated.npz')));
  const cd = bomb.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
  bomb.writeUInt32LE(0xfffffff0, cd + 24);
  await fs.writeFile(at('bomb.npz'), bomb);
  await assertFormatError(at('bomb.npz'), /claims 4294967280 bytes/);
  bomb.writeUInt32LE(200_000_000, cd + 24); // below the absolute cap: caught by the deflate ratio bound alone
  await fs.writeFile(at('bomb.npz'), bomb);
  await assertFormatError(at('bomb.npz'), /claims 200000000 bytes/);
  // A member that inflates past its declared size (CRC forged to match the declared prefix) is refused.
  const small = readFileSync(ref('thw.npy'));
  const long = Buffer.from(zipSync({ 'depth.npy': Buffer.concat([small, Buffer.alloc(100_000)]) }, { level: 9 }));
  const lcd = long.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
  long.writeUInt32LE(crc32(small) >>> 0, lcd + 16);
  long.writeUInt32LE(small.length, lcd + 24);
  await fs.writeFile(at('long.npz'), long);
  await assertFormatError(at('long.npz'));
  await assert.rejects(collectFrames(at('long.npz'), 'depth'), /inflates past its declared 224 bytes/);
  // Zero-sized frames would make a frame reader spin forever.
  await fs.writeFile(at('empty.npz'), zipSync({ 'depth.npy': npyWithHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 0, 3), }", 0) }));
  await assertFormatError(at('empty.npz'), /empty 0x3 frames/);
  // A stored member whose bytes changed fails its CRC.
  const stored = Buffer.from(readFileSync(ref('stored.npz')));
  stored[stored.indexOf(Buffer.from('NUMPY')) + 200] ^= 0x55;
  await fs.writeFile(at('crc.npz'), stored);
  await assertFormatError(at('crc.npz'), /CRC/);

  const png = Buffer.from(encodePng16(awkwardU16(6), 3, 2));
  const wide = Buffer.from(png);
  wide.writeUInt32BE(100000, 16);
  wide.writeUInt32BE(100000, 20);
  resignChunk(wide, 8);
  await fs.writeFile(at('wide.png'), wide);
  await assertFormatError(at('wide.png'), /100000x100000 is out of range/);
  const rgb = Buffer.from(png);
  rgb[25] = 2;
  resignChunk(rgb, 8);
  await fs.writeFile(at('rgb.png'), rgb);
  await assertFormatError(at('rgb.png'), /PNG is RGB; depth PNGs must be single-channel/);
  const fewer = Buffer.from(png);
  fewer.writeUInt32BE(2, 16); // IHDR now claims fewer pixels than IDAT holds
  resignChunk(fewer, 8);
  await fs.writeFile(at('small.png'), fewer);
  await assertFormatError(at('small.png'), /corrupt PNG image data|expected/);

  await fs.writeFile(at('huge.pfm'), Buffer.concat([Buffer.from('Pf\n1000000000 1000000000\n-1\n'), Buffer.alloc(16)]));
  await assertFormatError(at('huge.pfm'), /claims 1000000000x1000000000x1/);
  await fs.writeFile(at('neg.pfm'), Buffer.concat([Buffer.from('Pf\n-4 2\n-1\n'), Buffer.alloc(32)]));
  await assertFormatError(at('neg.pfm'), /not a positive integer/);
  await fs.writeFile(at('zero.pfm'), Buffer.concat([Buffer.from('Pf\n4 2\n0\n'), Buffer.alloc(32)]));
  await assertFormatError(at('zero.pfm'), /scale '0'/);
  const flo = Buffer.from(readFileSync(ref('flow.flo')));
  flo.writeInt32LE(1 << 30, 4);
  await fs.writeFile(at('huge.flo'), flo);
  await assertFormatError(at('huge.flo'), /claims 1073741824x3/);
});

test('truncating or flipping bytes of every format gives a FormatError naming the file, never another exception', async () => {
  const dir = await tmp();
  const samples = ['f4_le.npy', 'i2_be_fortran3d.npy', 'stored.npz', 'deflated.npz', 'grey16.png', 'grey8.png', 'le.pfm', 'flow.flo'];
  for (const name of samples) {
    const good = readFileSync(ref(name));
    const ext = path.extname(name);
    const cuts = [0, 1, 5, 8, 11, 20, 40, Math.floor(good.length / 2), good.length - 5, good.length - 1];
    for (const cut of cuts.filter((c) => c < good.length)) {
      const file = path.join(dir, `cut${cut}-${name}`);
      await fs.writeFile(file, good.subarray(0, cut));
      await assertFormatError(file);
    }
    // Flipping any single byte of the first 64: a magic, size or CRC byte must be caught; a padding byte may pass.
    for (let i = 0; i < Math.min(64, good.length); i++) {
      const bad = Buffer.from(good);
      bad[i] ^= 0xff;
      const file = path.join(dir, `flip${i}-${path.basename(name, ext)}${ext}`);
      await fs.writeFile(file, bad);
      await readAny(file).catch((err: unknown) => {
        assert.ok(err instanceof FormatError, `flip ${i} of ${name}: ${String(err)}`);
        assert.ok(err.message.includes(file), err.message);
      });
    }
    // The magic itself always counts.
    const bad = Buffer.from(good);
    bad[1] ^= 0xff;
    await fs.writeFile(path.join(dir, `magic-${name}`), bad);
    await assertFormatError(path.join(dir, `magic-${name}`));
  }
});

test('pairByStem pairs by name stem in natural order and reports the unmatched', async () => {
  const root = await tmp();
  const pred = path.join(root, 'pred');
  const gt = path.join(root, 'gt');
  await fs.mkdir(pred);
  await fs.mkdir(gt);
  for (const f of ['10.npy', '2.npy', '1.npy', '3.npy', 'notes.txt']) await fs.writeFile(path.join(pred, f), '');
  for (const f of ['1.png', '10.pfm', '2.PNG', '4.png']) await fs.writeFile(path.join(gt, f), '');
  await fs.mkdir(path.join(gt, '5.png')); // a folder named like a depth file is not one
  const r = await pairByStem(pred, gt);
  assert.deepEqual(r.pairs, [
    { name: '1', pred: path.join(pred, '1.npy'), gt: path.join(gt, '1.png') },
    { name: '2', pred: path.join(pred, '2.npy'), gt: path.join(gt, '2.PNG') },
    { name: '10', pred: path.join(pred, '10.npy'), gt: path.join(gt, '10.pfm') },
  ]);
  assert.deepEqual(r.unmatchedPred, ['3']);
  assert.deepEqual(r.unmatchedGt, ['4']);

  await fs.writeFile(path.join(gt, '4.npy'), '');
  await assert.rejects(pairByStem(pred, gt), (e: unknown) => e instanceof DepthkitError && e.message.includes(gt) && /'4': 4\.npy and 4\.png/.test(e.message));
  const missing = path.join(root, 'nope');
  await assert.rejects(pairByStem(pred, missing), (e: unknown) => e instanceof DepthkitError && e.message === `${missing}: folder does not exist`);
});

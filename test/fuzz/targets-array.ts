import fc from 'fast-check';
import { DepthkitError } from '../../src/errors.js';
import { zipSync } from 'fflate';
import { encodeNpy, readNpy, type NpyArray } from '../../src/io/npy.js';
import { listNpzKeys, openNpzStack, readNpz, streamNpzFrames } from '../../src/io/npz.js';
import { encodeSafetensors, readSafetensors, type Tensor } from '../../src/io/safetensors.js';
import { defineTarget } from './harness.js';
import { floatBytes, findSignatures, npyBytes, npyDict, npyPayload } from './builders.js';
import { byteMutation, INTERESTING_BIG, INTERESTING_INTS, mutation, mutations, type Mutation } from './mutations.js';

const product = (shape: number[]) => shape.reduce((a, b) => a * b, 1);
const validShape = (s: unknown) => Array.isArray(s) && s.every((d) => Number.isSafeInteger(d) && d >= 0);

/** (2,3) values 0.25, 1.25, ... in C order. */
const GRID = [0.25, 1.25, 2.25, 3.25, 4.25, 5.25];

const NPY_SEEDS: { bytes: Uint8Array; expected: NpyArray }[] = [
  { bytes: encodeNpy(Float32Array.from(GRID), [2, 3]), expected: { shape: [2, 3], data: Float32Array.from(GRID), dtype: '<f4' } },
  {
    bytes: encodeNpy(Uint16Array.from([0, 1, 65535, 1000]), [4]),
    expected: { shape: [4], data: Float32Array.from([0, 1, 65535, 1000]), dtype: '<u2' },
  },
  {
    // Big-endian float64 in Fortran order: element (i, j) stored at j*2 + i.
    bytes: npyBytes(npyDict('>f8', 'True', '(2, 3)'), floatBytes([0, 3, 1, 4, 2, 5].map((k) => GRID[k]), 'f8', false)),
    expected: { shape: [2, 3], data: Float32Array.from(GRID), dtype: '>f8' },
  },
  {
    bytes: npyBytes(npyDict('<i2', 'False', '(1, 2, 2)'), Uint8Array.from(Buffer.from(Int16Array.from([-3, 7, -32768, 0]).buffer)), 3),
    expected: { shape: [1, 2, 2], data: Float32Array.from([-3, 7, -32768, 0]), dtype: '<i2' },
  },
  { bytes: npyBytes(npyDict('|b1', 'False', '(3,)'), Uint8Array.from([0, 1, 2]), 2), expected: { shape: [3], data: Float32Array.from([0, 1, 1]), dtype: '|b1' } },
];

const DESCRS = ['<f4', '>f4', '<f8', '|u1', '<u2', '>i2', '<i4', '|b1', '<i8', '<c8', '<f2', '>f2', '|O', '<U4', '|f4', '', "<f4', 'x"];
const SHAPES = [
  '(2, 3)', '(3, 2)', '(6,)', '()', '(0,)', '(0, 1099511627776)', '(1099511627776,)', '(1099511627776, 1099511627776)',
  '(-1, 6)', '(-6,)', '(2.0, 3)', '(2L, 3L)', '(9007199254740993,)', '(4294967296,)', '(1, 1, 1, 1, 1, 6)', '(6, 1)', '(1, 2, 3)',
  '(2, 3', 'None', '(a,)',
];

/** Rewrites the header dict (dtype, order, shape, version) around the original payload. */
const npyHeaderMutation: fc.Arbitrary<Mutation> = fc
  .record({ descr: fc.constantFrom(...DESCRS), fortran: fc.constantFrom('True', 'False', '1'), shape: fc.constantFrom(...SHAPES), major: fc.constantFrom(1, 2, 3, 4) })
  .map((h) =>
    mutation('header field rewritten', `${h.descr} ${h.fortran} ${h.shape} v${h.major}`, (b) => npyBytes(npyDict(h.descr, h.fortran, h.shape), npyPayload(b), h.major)),
  );

/** The same header dict re-wrapped as version 2.0 or 3.0 with wider padding: the array must not change. */
const npyRewrapped = fc.constantFrom(2, 3).map((major) =>
  mutation('header re-wrapped (v2/v3)', `v${major}`, (b) => {
    if (b.length < 10 || b[6] !== 1) return b;
    const dict = Buffer.from(b.subarray(10, 10 + Buffer.from(b).readUInt16LE(8))).toString('latin1').trimEnd();
    return npyBytes(`${dict}${' '.repeat(70)}`, npyPayload(b), major);
  }, true),
);

const checkNpy = (a: NpyArray) =>
  !validShape(a.shape) ? `shape ${JSON.stringify(a.shape)}` : a.data.length !== product(a.shape) ? `${a.data.length} values for shape (${a.shape})` : undefined;

export const npyTarget = defineTarget({
  name: 'npy',
  ext: 'npy',
  seeds: NPY_SEEDS,
  mutations: mutations(byteMutation, npyHeaderMutation, npyRewrapped),
  read: readNpy,
  check: checkNpy,
});

const STACK = Uint16Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
const MEMBERS = { depth: encodeNpy(Float32Array.from(GRID), [2, 3]), stack: encodeNpy(STACK, [2, 2, 3]) };
const zip = (members: Record<string, Uint8Array>, level: 0 | 6) =>
  zipSync(Object.fromEntries(Object.entries(members).map(([k, v]) => [`${k}.npy`, [v, { level }]])), { mtime: new Date(2020, 0, 1) });

interface NpzContent {
  keys: string[];
  arrays: Record<string, NpyArray>;
}
const NPZ_EXPECTED: NpzContent = {
  keys: ['depth', 'stack'],
  arrays: { depth: NPY_SEEDS[0].expected, stack: { shape: [2, 2, 3], data: Float32Array.from(STACK), dtype: '<u2' } },
};

/** A member replaced by a faulted .npy, re-zipped with correct CRCs so the fault reaches the .npy parser. */
const npzMemberMutation: fc.Arbitrary<Mutation> = fc
  .record({ key: fc.constantFrom('depth', 'stack'), level: fc.constantFrom(0 as const, 6 as const), inner: fc.oneof(byteMutation, npyHeaderMutation) })
  .map(({ key, level, inner }) =>
    mutation('member .npy faulted', `${key} level ${level} ${inner}`, () => zip({ ...MEMBERS, [key]: inner.apply(MEMBERS[key]) }, level)),
  );

/** Sets a field of a zip record (local header, central directory entry, end record) to an extreme value. */
const zipFieldMutation: fc.Arbitrary<Mutation> = fc
  .record({ sig: fc.constantFrom(0x04034b50, 0x02014b50, 0x06054b50), which: fc.nat(), field: fc.nat({ max: 44 }), v: fc.constantFrom(...INTERESTING_INTS), wide: fc.boolean() })
  .map(({ sig, which, field, v, wide }) =>
    mutation('zip record field overwrite', `${sig.toString(16)}#${which} +${field}=${v}${wide ? '' : ' u16'}`, (b) => {
      const at = findSignatures(b, sig);
      if (at.length === 0) return b;
      const out = Buffer.from(b);
      const p = at[which % at.length] + 4 + field;
      if (wide && p + 4 <= out.length) out.writeUInt32LE(v >>> 0, p);
      else if (!wide && p + 2 <= out.length) out.writeUInt16LE(v & 0xffff, p);
      return Uint8Array.from(out);
    }),
  );

/** Both seeds re-zipped stored or deflated: the content, hence what is read, is the same. */
const npzRecompressed = fc.constantFrom(0 as const, 6 as const).map((level) => mutation('recompressed', `level ${level}`, () => zip(MEMBERS, level), true));

async function settle<T>(p: Promise<T>): Promise<{ ok: true; value: T } | { ok: false; err: unknown }> {
  try {
    return { ok: true, value: await p };
  } catch (err) {
    return { ok: false, err };
  }
}

async function streamed(file: string, key: string): Promise<number[][]> {
  const frames: number[][] = [];
  for await (const f of streamNpzFrames(file, key, 64)) frames.push(Array.from(f.data));
  return frames;
}

async function inMemory(file: string, key: string): Promise<number[][]> {
  const s = await openNpzStack(file, key);
  return Array.from({ length: s.frames }, (_, t) => Array.from(s.frame(t).data));
}

/**
 * Every array of the archive; where an array is a stack, the streaming and the in-memory frame readers must agree
 * (both refuse, or both yield the same frames).
 */
async function readAllNpz(file: string): Promise<NpzContent> {
  const keys = await listNpzKeys(file);
  const arrays: Record<string, NpyArray> = {};
  for (const key of keys) {
    arrays[key] = await readNpz(file, key);
    const [a, b] = [await settle(streamed(file, key)), await settle(inMemory(file, key))];
    for (const r of [a, b]) if (!r.ok && !(r.err instanceof DepthkitError)) throw r.err;
    if (!a.ok && !b.ok) continue;
    if (!a.ok || !b.ok) throw new Error(`${key}: streaming reader ${a.ok ? 'read' : 'refused'}, in-memory reader ${b.ok ? 'read' : 'refused'}`);
    if (JSON.stringify(a.value) !== JSON.stringify(b.value)) throw new Error(`${key}: streamed and in-memory frames differ`);
  }
  return { keys, arrays };
}

export const npzTarget = defineTarget({
  name: 'npz',
  ext: 'npz',
  seeds: [{ bytes: zip(MEMBERS, 0), expected: NPZ_EXPECTED }, { bytes: zip(MEMBERS, 6), expected: NPZ_EXPECTED }],
  mutations: mutations(byteMutation, zipFieldMutation, npzMemberMutation, npzRecompressed),
  read: readAllNpz,
  check: (c) => Object.values(c.arrays).map(checkNpy).find(Boolean),
});

/** Half-float and bfloat16 bit patterns with their exact float32 values. */
const F16 = { bits: [0x3c00, 0xc000, 0x3800, 0x7bff, 0x7c00, 0x0001], values: [1, -2, 0.5, 65504, Infinity, 2 ** -24] };
const BF16 = { bits: [0x3f80, 0xc000, 0x4049], values: [1, -2, 3.140625] };

function safetensorsBytes(header: object, data: Uint8Array): Uint8Array {
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  return Uint8Array.from(Buffer.concat([len, json, data]));
}

const halfSeed = safetensorsBytes(
  { __metadata__: { format: 'pt' }, h: { dtype: 'F16', shape: [2, 3], data_offsets: [0, 12] }, b: { dtype: 'BF16', shape: [3], data_offsets: [12, 18] } },
  Uint8Array.from(Buffer.from(Uint16Array.from([...F16.bits, ...BF16.bits]).buffer)),
);
const t = (shape: number[], values: number[]): Tensor => ({ shape, data: Float32Array.from(values) });

const ST_VALUES = [[1099511627776], [-1], [1.5], [2, 3], [], 'x', null, [0, 2 ** 53], [8, 4], [0, 1e308], [0, 24], 'F64', 'I8', 'F32', 'XX', {}, { a: 1 }];

/** Edits one field of the JSON header (and keeps the length prefix right), so that the fault reaches validation. */
const headerFieldMutation: fc.Arbitrary<Mutation> = fc
  .record({ tensor: fc.constantFrom('w', 'h', 'b', '__metadata__', 'new'), field: fc.constantFrom('shape', 'data_offsets', 'dtype', 'format'), v: fc.constantFrom(...ST_VALUES) })
  .map(({ tensor, field, v }) =>
    mutation('header field rewritten', `${tensor}.${field}=${JSON.stringify(v)}`, (b) => {
      const buf = Buffer.from(b);
      if (buf.length < 8) return b;
      const len = Number(buf.readBigUInt64LE(0));
      let header: Record<string, Record<string, unknown>>;
      try {
        header = JSON.parse(buf.subarray(8, 8 + len).toString('utf8'));
      } catch {
        return b;
      }
      if (!header || typeof header !== 'object') return b;
      header[tensor] = { ...(typeof header[tensor] === 'object' ? header[tensor] : {}), [field]: v };
      return safetensorsBytes(header, buf.subarray(8 + len));
    }),
  );
/** Trailing spaces after the JSON, as the reference writer pads to 8 bytes: the tensors must not change. */
const headerPadded = fc.integer({ min: 1, max: 16 }).map((n) =>
  mutation('header padded', `+${n} spaces`, (b) => {
    const buf = Buffer.from(b);
    if (buf.length < 8) return b;
    const len = Number(buf.readBigUInt64LE(0));
    if (len > buf.length - 8) return b;
    const out = Buffer.concat([Buffer.alloc(8), buf.subarray(8, 8 + len), Buffer.from(' '.repeat(n)), buf.subarray(8 + len)]);
    out.writeBigUInt64LE(BigInt(len + n));
    return Uint8Array.from(out);
  }, true),
);
const lengthMutation = fc.constantFrom(...INTERESTING_BIG).map((v) =>
  mutation('header length overwrite', String(v), (b) => {
    if (b.length < 8) return b;
    const out = Buffer.from(b);
    out.writeBigUInt64LE(v);
    return Uint8Array.from(out);
  }),
);

export const safetensorsTarget = defineTarget({
  name: 'safetensors',
  ext: 'safetensors',
  seeds: [
    {
      bytes: encodeSafetensors([['w', t([2, 2], [1, -2, 0.5, 3])], ['bias', t([3], [0, 1e-3, -7])]], { note: 'seed' }),
      expected: { metadata: { note: 'seed' }, tensors: new Map([['w', t([2, 2], [1, -2, 0.5, 3])], ['bias', t([3], [0, 1e-3, -7])]]) },
    },
    { bytes: halfSeed, expected: { metadata: { format: 'pt' }, tensors: new Map([['h', t([2, 3], F16.values)], ['b', t([3], BF16.values)]]) } },
  ],
  mutations: mutations(byteMutation, headerFieldMutation, lengthMutation, headerPadded),
  read: async (file) => readSafetensors(file),
  check: (r) => [...r.tensors].map(([n, x]) => (!validShape(x.shape) || x.data.length !== product(x.shape) ? `tensor ${n}: ${x.data.length} values for [${x.shape}]` : undefined)).find(Boolean),
});

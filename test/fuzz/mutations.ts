import fc from 'fast-check';

/**
 * Faults injected into valid files. A mutation is data (so fast-check can print and shrink it) plus the function
 * that applies it; positions are drawn as naturals and taken modulo the buffer length when applied, so one
 * arbitrary serves buffers of any size.
 */
export interface Mutation {
  /** Fault family, the row label of docs/reliability.md. */
  op: string;
  detail: string;
  /** The file stays valid and means the same: a case made only of these must read exactly as its seed. */
  preserving: boolean;
  apply(buf: Uint8Array): Uint8Array;
  toString(): string;
}

export function mutation(op: string, detail: string, apply: (buf: Uint8Array) => Uint8Array, preserving = false): Mutation {
  return { op, detail, preserving, apply, toString: () => `${op}(${detail})` };
}

const at = (pos: number, len: number) => (len === 0 ? 0 : pos % (len + 1));
const concat = (...parts: Uint8Array[]) => Uint8Array.from(Buffer.concat(parts));

/** Integers a header field can be set to: boundaries, sign flips, sizes past 2^31, 2^32 and 2^40 elements. */
export const INTERESTING_INTS = [0, 1, 2, 3, 7, 255, 256, 0xffff, 0x7fffffff, -1, -2, -0x80000000, 0x80000000, 0xffffffff];
export const INTERESTING_BIG = [0n, 1n, 2n ** 31n, 2n ** 32n - 1n, 2n ** 40n, 2n ** 53n, 2n ** 63n, 2n ** 64n - 1n];
/** Float payloads: non-finite, signed zero, denormal, out-of-range-for-depth. */
export const INTERESTING_FLOATS = [NaN, Infinity, -Infinity, -0, 1e-45, -1, 3.4e38, 202021.25];

const pos = fc.nat({ max: 1 << 20 });
const someBytes = fc.uint8Array({ minLength: 1, maxLength: 16 });

const flip = fc.tuple(pos, fc.nat({ max: 7 })).map(([p, bit]) =>
  mutation('bit flip', `@${p} bit ${bit}`, (b) => {
    if (b.length === 0) return b;
    const out = Uint8Array.from(b);
    out[p % b.length] ^= 1 << bit;
    return out;
  }),
);
const insert = fc.tuple(pos, someBytes).map(([p, bytes]) =>
  mutation('byte insertion', `@${p} +${bytes.length}`, (b) => concat(b.subarray(0, at(p, b.length)), bytes, b.subarray(at(p, b.length)))),
);
const remove = fc.tuple(pos, fc.integer({ min: 1, max: 64 })).map(([p, n]) =>
  mutation('byte deletion', `@${p} -${n}`, (b) => concat(b.subarray(0, at(p, b.length)), b.subarray(at(p, b.length) + n))),
);
const truncate = pos.map((p) => mutation('truncation', `@${p}`, (b) => b.slice(0, at(p, b.length))));
const duplicate = fc.tuple(pos, fc.integer({ min: 1, max: 64 })).map(([p, n]) =>
  mutation('chunk duplication', `@${p} x${n}`, (b) => {
    const s = at(p, b.length);
    return concat(b.subarray(0, s + n), b.subarray(s));
  }),
);
const int32 = fc.tuple(pos, fc.constantFrom(...INTERESTING_INTS), fc.boolean()).map(([p, v, little]) =>
  mutation('int32 field overwrite', `@${p}=${v} ${little ? 'LE' : 'BE'}`, (b) => {
    if (b.length < 4) return b;
    const out = Uint8Array.from(b);
    new DataView(out.buffer).setUint32(p % (b.length - 3), v >>> 0, little);
    return out;
  }),
);
const int64 = fc.tuple(pos, fc.constantFrom(...INTERESTING_BIG)).map(([p, v]) =>
  mutation('int64 field overwrite', `@${p}=${v}`, (b) => {
    if (b.length < 8) return b;
    const out = Uint8Array.from(b);
    new DataView(out.buffer).setBigUint64(p % (b.length - 7), v, true);
    return out;
  }),
);
const floats = fc.tuple(pos, fc.constantFrom(...INTERESTING_FLOATS), fc.boolean()).map(([p, v, little]) =>
  mutation('NaN/Inf payload', `@${p}=${v}`, (b) => {
    if (b.length < 4) return b;
    const out = Uint8Array.from(b);
    // Aligned from the end, where the payload of every binary format here lies.
    const slot = (p % Math.floor(b.length / 4)) * 4 + (b.length % 4);
    new DataView(out.buffer).setFloat32(slot, v, little);
    return out;
  }),
);
const empty = fc.constant(mutation('empty file', '', () => new Uint8Array(0)));
const garbage = fc.uint8Array({ minLength: 1, maxLength: 512 }).map((g) => mutation('garbage', `${g.length} bytes`, () => g));
const prefixGarbage = fc.tuple(pos, fc.uint8Array({ minLength: 1, maxLength: 64 })).map(([p, g]) =>
  mutation('garbage overwrite', `@${p} ${g.length} bytes`, (b) => {
    const out = Uint8Array.from(b);
    out.set(g.subarray(0, Math.max(0, b.length - at(p, b.length))), at(p, b.length));
    return out;
  }),
);

/** Format-blind faults, applicable to any file. */
export const byteMutation: fc.Arbitrary<Mutation> = fc.oneof(
  flip, insert, remove, truncate, duplicate, int32, int64, floats, empty, garbage, prefixGarbage,
);

/** Tokens a text field may be replaced by: non-numbers, non-finite spellings, huge and negative values, quoting. */
export const INTERESTING_TOKENS = [
  'NaN', 'nan', 'Infinity', '-inf', '1e309', '-1', '0', '-0', '1.5', '99999999999999999999', '1099511627776',
  '0x10', 'None', '"', "'", ',', '\u0000', 'é', '\uFEFF', '__proto__', '', 'l', 'r', '%', '1%', '-1%', '{', ']',
];

const decodeText = (b: Uint8Array) => Buffer.from(b).toString('latin1');
const encodeText = (s: string) => Uint8Array.from(Buffer.from(s, 'latin1'));
const utf8 = (s: string) => Uint8Array.from(Buffer.from(s, 'utf8'));

/** Replaces the n-th whitespace- or punctuation-separated token of a text file. */
function replaceToken(text: string, n: number, token: string): string {
  const spans = [...text.matchAll(/[^\s,:{}[\]"]+/g)];
  if (spans.length === 0) return token;
  const m = spans[n % spans.length];
  return text.slice(0, m.index) + token + text.slice(m.index + m[0].length);
}

const lineOp = (name: string, f: (lines: string[], i: number) => string[]) =>
  pos.map((p) =>
    mutation(name, `line ${p}`, (b) => {
      const lines = decodeText(b).split('\n');
      return encodeText(f(lines, p % lines.length).join('\n'));
    }),
  );

/** Faults for line-oriented text files (split lists, poses, intrinsics, CSV, JSON). */
export const textMutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.tuple(pos, fc.constantFrom(...INTERESTING_TOKENS)).map(([p, t]) =>
    mutation('token replaced', `#${p}=${JSON.stringify(t)}`, (b) => utf8(replaceToken(Buffer.from(b).toString('utf8'), p, t))),
  ),
  lineOp('line deleted', (l, i) => l.filter((_, j) => j !== i)),
  lineOp('line duplicated', (l, i) => [...l.slice(0, i + 1), ...l.slice(i)]),
  lineOp('line split', (l, i) => [...l.slice(0, i), ...l[i].split(/\s+/), ...l.slice(i + 1)]),
  fc.string({ maxLength: 80 }).map((s) => mutation('garbage text', JSON.stringify(s).slice(0, 40), () => utf8(s))),
);

/**
 * Changes a valid text file must survive unchanged in meaning: Windows line ends, a UTF-8 byte-order mark (as
 * Notepad and Excel write), blank lines. Idempotent, so that any sequence of them is still preserving.
 */
export const textPreserving: fc.Arbitrary<Mutation> = fc.oneof(
  fc.constant(mutation('CRLF line ends', '', (b) => utf8(Buffer.from(b).toString('utf8').replace(/\r?\n/g, '\r\n')), true)),
  fc.constant(mutation('UTF-8 BOM', '', (b) => utf8(`\uFEFF${Buffer.from(b).toString('utf8').replace(/^\uFEFF/, '')}`), true)),
  pos.map((p) =>
    mutation('blank line inserted', `line ${p}`, (b) => {
      const text = Buffer.from(b).toString('utf8');
      const lines = text.split(/\r?\n/);
      const i = 1 + (p % lines.length);
      // In the file's own line-end style: a lone LF in a CRLF file is data to a CSV parser, not a line break.
      return utf8([...lines.slice(0, i), '', ...lines.slice(i)].join(text.includes('\r\n') ? '\r\n' : '\n'));
    }, true),
  ),
);

/** One to three faults drawn from `families`, applied in order. */
export function mutations(...families: fc.Arbitrary<Mutation>[]): fc.Arbitrary<Mutation[]> {
  return fc.array(fc.oneof(...families), { minLength: 1, maxLength: 3 });
}

export function applyAll(buf: Uint8Array, ms: Mutation[]): Uint8Array {
  return ms.reduce((b, m) => m.apply(b), buf);
}

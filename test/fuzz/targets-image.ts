import { deflateSync } from 'node:zlib';
import fc from 'fast-check';
import { readFlo, encodeFlo, type Flow } from '../../src/io/flo.js';
import { encodePfm, readPfm, type Pfm } from '../../src/io/pfm.js';
import { encodePng16, readPng16, type Png16 } from '../../src/io/png16.js';
import { defineTarget } from './harness.js';
import { fixPngCrcs, floatBytes, ihdr, PNG_SIGNATURE, pngChunk } from './builders.js';
import { byteMutation, INTERESTING_INTS, INTERESTING_TOKENS, mutation, mutations, type Mutation } from './mutations.js';

const DEPTH16 = [0, 1, 256, 65535, 12345, 40000];

/** 8-bit 3x2 grey with a Sub-filtered row and an Up-filtered row (filters applied here, by the spec). */
function png8Seed(): Uint8Array {
  const rows = [[10, 20, 250], [5, 30, 255]];
  const sub = [1, ...rows[0].map((v, i) => (v - (i ? rows[0][i - 1] : 0)) & 0xff)];
  const up = [2, ...rows[1].map((v, i) => (v - rows[0][i]) & 0xff)];
  const idat = deflateSync(Uint8Array.from([...sub, ...up]));
  // Split over two IDAT chunks, with an ancillary chunk first, as real encoders may.
  return Uint8Array.from(Buffer.concat([
    PNG_SIGNATURE, pngChunk('IHDR', ihdr(3, 2, 8)), pngChunk('tEXt', Buffer.from('k\0v')),
    pngChunk('IDAT', idat.subarray(0, 4)), pngChunk('IDAT', idat.subarray(4)), pngChunk('IEND', new Uint8Array(0)),
  ]));
}

/** A byte fault followed by CRC repair, so that it reaches IHDR validation, inflate and the row filters. */
const crcFixed: fc.Arbitrary<Mutation> = byteMutation.map((m) => mutation('fault with CRCs repaired', String(m), (b) => fixPngCrcs(m.apply(b))));

const ihdrField: fc.Arbitrary<Mutation> = fc
  .record({ field: fc.constantFrom(0, 4, 8, 9, 10, 11, 12), v: fc.constantFrom(...INTERESTING_INTS, 16, 4, 6) })
  .map(({ field, v }) =>
    mutation('IHDR field rewritten', `+${field}=${v}`, (b) => {
      const out = Buffer.from(b);
      if (out.length < 33) return b;
      if (field < 8) out.writeUInt32BE(v >>> 0, 16 + field);
      else out[16 + field] = v & 0xff;
      return fixPngCrcs(out);
    }),
  );

/** Image data replaced by a valid deflate stream of the wrong length or content. */
const idatReplaced = fc.uint8Array({ maxLength: 64 }).map((raw) =>
  mutation('IDAT replaced', `${raw.length} raw bytes`, (b) => {
    const buf = Buffer.from(b);
    if (buf.length < 33) return b;
    return Uint8Array.from(Buffer.concat([buf.subarray(0, 33), pngChunk('IDAT', deflateSync(raw)), pngChunk('IEND', new Uint8Array(0))]));
  }),
);

/** An ancillary chunk (which decoders must skip) inserted after IHDR: the pixels must not change. */
const ancillary = fc.record({ type: fc.constantFrom('tIME', 'gAMA', 'prVt', 'tEXt'), body: fc.uint8Array({ maxLength: 32 }) }).map(({ type, body }) =>
  mutation('ancillary chunk inserted', `${type} ${body.length} bytes`, (b) => {
    if (b.length < 33 || Buffer.from(b.subarray(12, 16)).toString('latin1') !== 'IHDR') return b;
    return Uint8Array.from(Buffer.concat([b.subarray(0, 33), pngChunk(type, body), b.subarray(33)]));
  }, true),
);

export const png16Target = defineTarget<Png16>({
  name: 'png16',
  ext: 'png',
  seeds: [
    { bytes: encodePng16(Uint16Array.from(DEPTH16), 3, 2), expected: { data: Uint16Array.from(DEPTH16), width: 3, height: 2, bitDepth: 16 } },
    { bytes: png8Seed(), expected: { data: Uint16Array.from([10, 20, 250, 5, 30, 255]), width: 3, height: 2, bitDepth: 8 } },
  ],
  mutations: mutations(byteMutation, crcFixed, ihdrField, idatReplaced, ancillary),
  read: readPng16,
  check: (p) =>
    p.data.length !== p.width * p.height
      ? `${p.data.length} values for ${p.width}x${p.height}`
      : p.bitDepth === 8 && p.data.some((v) => v > 255) ? '8-bit PNG with values over 255' : undefined,
});

const PFM_GRID = [1.5, -2, 0, 3.25, 1e-3, 7];

/** Replaces one header token (magic, width, height, scale) by an extreme or malformed one. */
const pfmHeaderToken = fc
  .record({ which: fc.nat({ max: 3 }), token: fc.constantFrom(...INTERESTING_TOKENS, 'PF', 'Pf', 'P6', '4294967296', '1e-320', '3 2', '\n') })
  .map(({ which, token }) =>
    mutation('header token replaced', `#${which}=${JSON.stringify(token)}`, (b) => {
      const text = Buffer.from(b).toString('latin1');
      const m = /^(\S*)(\s+)(\S*)(\s+)(\S*)(\s+)(\S*)\s/.exec(text.slice(0, 64));
      if (!m) return b;
      const parts = [m[1], m[2], m[3], m[4], m[5], m[6], m[7]];
      parts[which * 2] = token;
      return Uint8Array.from(Buffer.from(parts.join('') + text.slice(m[0].length - 1), 'latin1'));
    }),
  );

/** Header re-spaced (one line, tabs, CRLF) and the scale's magnitude changed, its sign kept: same image. */
const pfmRespaced = fc.record({ sep: fc.constantFrom(' ', '\t', '\r\n', '\n\n'), scale: fc.constantFrom('1', '2.5', '0.001', '1e3') }).map(({ sep, scale }) =>
  mutation('header re-spaced', `${JSON.stringify(sep)} scale ${scale}`, (b) => {
    const text = Buffer.from(b.subarray(0, 64)).toString('latin1');
    const m = /^(P[fF])\s+(\d+)\s+(\d+)\s+(-?)[^\s]+\n/.exec(text);
    if (!m) return b;
    const head = [m[1], m[2], m[3], `${m[4]}${scale}`].join(sep);
    return Uint8Array.from(Buffer.concat([Buffer.from(`${head}\n`, 'latin1'), b.subarray(m[0].length)]));
  }, true),
);

export const pfmTarget = defineTarget<Pfm>({
  name: 'pfm',
  ext: 'pfm',
  seeds: [
    { bytes: encodePfm({ data: Float32Array.from(PFM_GRID), width: 3, height: 2 }), expected: { data: Float32Array.from(PFM_GRID), width: 3, height: 2, channels: 1 } },
    {
      // Big-endian colour PFM, rows stored bottom-up: the file's first row is the image's last.
      bytes: Uint8Array.from(Buffer.concat([Buffer.from('PF\n1 2\n1.0\n'), floatBytes([4, 5, 6, 1, 2, 3], 'f4', false)])),
      expected: { data: Float32Array.from([1, 2, 3, 4, 5, 6]), width: 1, height: 2, channels: 3 },
    },
  ],
  mutations: mutations(byteMutation, pfmHeaderToken, pfmRespaced),
  read: readPfm,
  check: (p) => (p.data.length !== p.width * p.height * p.channels ? `${p.data.length} values for ${p.width}x${p.height}x${p.channels}` : undefined),
});

const flowSeed: Flow = { width: 3, height: 2, u: Float32Array.from([0, 1, -1, 2.5, NaN, 1e9]), v: Float32Array.from([0.5, 0, 0, -3, 4, Infinity]) };

/** Width or height set to an extreme int32 (negative, zero, 2^31-1). */
const floSize = fc.record({ at: fc.constantFrom(4, 8), v: fc.constantFrom(...INTERESTING_INTS) }).map(({ at, v }) =>
  mutation('size field overwrite', `+${at}=${v}`, (b) => {
    if (b.length < 12) return b;
    const out = Buffer.from(b);
    out.writeInt32LE(v | 0, at);
    return Uint8Array.from(out);
  }),
);

export const floTarget = defineTarget<Flow>({
  name: 'flo',
  ext: 'flo',
  seeds: [{ bytes: encodeFlo(flowSeed), expected: flowSeed }],
  mutations: mutations(byteMutation, floSize),
  read: readFlo,
  check: (f) => (f.u.length !== f.width * f.height || f.v.length !== f.u.length ? `u ${f.u.length}, v ${f.v.length} for ${f.width}x${f.height}` : undefined),
});

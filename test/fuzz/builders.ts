import { crc32 } from 'node:zlib';

/**
 * Hand-built file bytes for seeds and structural faults, written from the format specifications rather than with
 * the encoders under test, so that a seed also checks the reader against an independent writer.
 */

/** A version-1 (or 2/3) .npy with an arbitrary header dict text and payload. */
export function npyBytes(dict: string, payload: Uint8Array, major = 1): Uint8Array {
  const prefix = major === 1 ? 10 : 12;
  let header = dict;
  header = header.padEnd(Math.ceil((prefix + header.length + 1) / 64) * 64 - prefix - 1, ' ') + '\n';
  const head = Buffer.alloc(prefix);
  Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, major, 0]).copy(head);
  if (major === 1) head.writeUInt16LE(header.length, 8);
  else head.writeUInt32LE(header.length, 8);
  return Uint8Array.from(Buffer.concat([head, Buffer.from(header, 'latin1'), payload]));
}

export function npyDict(descr: string, fortran: string, shape: string): string {
  return `{'descr': '${descr}', 'fortran_order': ${fortran}, 'shape': ${shape}, }`;
}

/** The payload of a .npy whose version-1 header is intact; the whole buffer past the magic otherwise. */
export function npyPayload(buf: Uint8Array): Uint8Array {
  if (buf.length < 10 || buf[6] !== 1) return buf.subarray(Math.min(buf.length, 10));
  return buf.subarray(Math.min(buf.length, 10 + Buffer.from(buf).readUInt16LE(8)));
}

export function floatBytes(values: number[], kind: 'f4' | 'f8', little: boolean): Uint8Array {
  const size = kind === 'f4' ? 4 : 8;
  const out = Buffer.alloc(values.length * size);
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  values.forEach((v, i) => (kind === 'f4' ? view.setFloat32(i * 4, v, little) : view.setFloat64(i * 8, v, little)));
  return Uint8Array.from(out);
}

export function pngChunk(type: string, body: Uint8Array): Uint8Array {
  const out = Buffer.alloc(12 + body.length);
  out.writeUInt32BE(body.length, 0);
  out.write(type, 4, 'latin1');
  Buffer.from(body).copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + body.length)) >>> 0, 8 + body.length);
  return Uint8Array.from(out);
}

export const PNG_SIGNATURE = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export function ihdr(width: number, height: number, bitDepth: number, colourType = 0, interlace = 0): Uint8Array {
  const b = Buffer.alloc(13);
  b.writeUInt32BE(width >>> 0, 0);
  b.writeUInt32BE(height >>> 0, 4);
  b[8] = bitDepth;
  b[9] = colourType;
  b[12] = interlace;
  return Uint8Array.from(b);
}

/**
 * Recomputes the CRC of every chunk whose length field fits the buffer, so that a fault inside a chunk reaches the
 * decoder instead of stopping at the CRC check.
 */
export function fixPngCrcs(buf: Uint8Array): Uint8Array {
  const out = Buffer.from(buf);
  for (let p = 8; p + 12 <= out.length; ) {
    const len = out.readUInt32BE(p);
    if (len > out.length - p - 12) break;
    out.writeUInt32BE(crc32(out.subarray(p + 4, p + 8 + len)) >>> 0, p + 8 + len);
    p += 12 + len;
  }
  return Uint8Array.from(out);
}

/** Offsets of every occurrence of a little-endian u32 signature (zip records). */
export function findSignatures(buf: Uint8Array, sig: number): number[] {
  const out: number[] = [];
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  for (let i = 0; i + 4 <= b.length; i++) if (b.readUInt32LE(i) === sig) out.push(i);
  return out;
}

import { crc32, deflateSync, inflateSync } from 'node:zlib';
import { FormatError } from '../errors.js';
import { writeFileAtomic } from './atomic.js';
import { readInput } from './npy.js';

/**
 * Single-channel 8- and 16-bit PNG (KITTI and NYU depth ground truth), decoded and encoded here with node:zlib.
 * sharp 0.35 was tried first: `raw({ depth: 'ushort' })` of a 16-bit grey PNG came back as 3 sRGB channels with the
 * values divided by 256, and 1-channel raw input was written as RGB: the exact 16-bit values a depth PNG exists to
 * keep were lost without an error. This codec handles exactly the PNGs
 * depth comes in (colour type 0, bit depth 8 or 16, not interlaced) and refuses the rest with a clear message:
 * an RGB or palette "depth" PNG is usually a visualisation, not data.
 */

export interface Png16 {
  data: Uint16Array;
  width: number;
  height: number;
  /** 8 or 16; 8-bit values are returned unscaled (0..255). */
  bitDepth: number;
}

const SIGNATURE = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/** Same bound as sharp's default limitInputPixels: a header claiming more is refused before inflating. */
const MAX_PIXELS = 0x3fff * 0x3fff;
const COLOUR_TYPES: Record<number, string> = { 2: 'RGB', 3: 'palette', 4: 'grey+alpha', 6: 'RGBA' };

export function decodePng16(buf: Uint8Array, file: string): Png16 {
  if (buf.length === 0) throw new FormatError(file, 'empty file, not a PNG');
  if (buf.length < 8 || SIGNATURE.some((b, i) => buf[i] !== b)) throw new FormatError(file, 'not a PNG file (bad signature)');
  const v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let width = 0;
  let height = 0;
  let bitDepth = 0;
  const idat: Uint8Array[] = [];
  let p = 8;
  let ended = false;
  while (!ended) {
    if (p + 12 > buf.length) throw new FormatError(file, 'truncated PNG (no IEND chunk)');
    const len = v.getUint32(p);
    const type = String.fromCharCode(...buf.subarray(p + 4, p + 8));
    if (len > buf.length - p - 12) throw new FormatError(file, `truncated PNG (chunk ${JSON.stringify(type)} runs past the end)`);
    const body = buf.subarray(p + 8, p + 8 + len);
    if (crc32(buf.subarray(p + 4, p + 8 + len)) >>> 0 !== v.getUint32(p + 8 + len)) {
      throw new FormatError(file, `corrupt PNG (CRC mismatch in chunk ${JSON.stringify(type)})`);
    }
    if (p === 8 && type !== 'IHDR') throw new FormatError(file, 'corrupt PNG (first chunk is not IHDR)');
    if (type === 'IHDR') {
      if (len !== 13) throw new FormatError(file, 'corrupt PNG (bad IHDR)');
      const hv = new DataView(body.buffer, body.byteOffset, 13);
      width = hv.getUint32(0);
      height = hv.getUint32(4);
      bitDepth = body[8];
      const colourType = body[9];
      if (colourType !== 0) {
        throw new FormatError(file, `PNG is ${COLOUR_TYPES[colourType] ?? `colour type ${colourType}`}; depth PNGs must be single-channel greyscale`);
      }
      if (bitDepth !== 8 && bitDepth !== 16) throw new FormatError(file, `PNG bit depth ${bitDepth} is not supported (8 or 16)`);
      if (body[12] !== 0) throw new FormatError(file, 'interlaced PNGs are not supported');
      if (width === 0 || height === 0 || width * height > MAX_PIXELS) throw new FormatError(file, `PNG size ${width}x${height} is out of range`);
    } else if (type === 'IDAT') idat.push(body);
    else if (type === 'IEND') ended = true;
    p += 12 + len;
  }
  if (idat.length === 0) throw new FormatError(file, 'PNG has no image data');
  const bpp = bitDepth / 8;
  const stride = width * bpp;
  const expected = height * (stride + 1);
  let raw: Uint8Array;
  try {
    raw = inflateSync(Buffer.concat(idat), { maxOutputLength: expected });
  } catch (err) {
    throw new FormatError(file, `corrupt PNG image data (${(err as Error).message})`, err);
  }
  if (raw.length !== expected) throw new FormatError(file, `PNG image data holds ${raw.length} bytes, expected ${expected}`);
  return { data: unfilter(raw, width, height, bpp, file), width, height, bitDepth };
}

/**
 * Undoes the per-row PNG filters (None, Sub, Up, Average, Paeth) and reads the big-endian samples. One loop per
 * filter type (not a switch per byte) and two row buffers swapped, not copied: this is most of a depth PNG's
 * decode time.
 */
function unfilter(raw: Uint8Array, width: number, height: number, bpp: number, file: string): Uint16Array {
  const stride = width * bpp;
  let cur = new Uint8Array(stride);
  let prev = new Uint8Array(stride);
  const out = new Uint16Array(width * height);
  for (let y = 0; y < height; y++) {
    const start = y * (stride + 1) + 1;
    const filter = raw[start - 1];
    switch (filter) {
      case 0:
        cur.set(raw.subarray(start, start + stride));
        break;
      case 1:
        for (let i = 0; i < stride; i++) cur[i] = (raw[start + i] + (i >= bpp ? cur[i - bpp] : 0)) & 0xff;
        break;
      case 2:
        for (let i = 0; i < stride; i++) cur[i] = (raw[start + i] + prev[i]) & 0xff;
        break;
      case 3:
        for (let i = 0; i < stride; i++) cur[i] = (raw[start + i] + (((i >= bpp ? cur[i - bpp] : 0) + prev[i]) >> 1)) & 0xff;
        break;
      case 4:
        for (let i = 0; i < stride; i++) {
          const a = i >= bpp ? cur[i - bpp] : 0;
          const b = prev[i];
          const c = i >= bpp ? prev[i - bpp] : 0;
          const pa = Math.abs(b - c);
          const pb = Math.abs(a - c);
          const pc = Math.abs(a + b - 2 * c);
          cur[i] = (raw[start + i] + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c)) & 0xff;
        }
        break;
      default:
        throw new FormatError(file, `corrupt PNG (row ${y} has filter type ${filter})`);
    }
    const o = y * width;
    if (bpp === 2) for (let x = 0; x < width; x++) out[o + x] = (cur[2 * x] << 8) | cur[2 * x + 1];
    else out.set(cur, o);
    [prev, cur] = [cur, prev];
  }
  return out;
}

export async function readPng16(file: string): Promise<Png16> {
  return decodePng16(await readInput(file), file);
}

function chunk(type: string, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + body.length);
  const v = new DataView(out.buffer);
  v.setUint32(0, body.length);
  out.set(new TextEncoder().encode(type), 4);
  out.set(body, 8);
  v.setUint32(8 + body.length, crc32(out.subarray(4, 8 + body.length)) >>> 0);
  return out;
}

/** Encodes 16-bit greyscale (filter None on every row: depth maps compress about as well either way). */
export function encodePng16(data: Uint16Array, width: number, height: number): Uint8Array {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0 || data.length !== width * height) {
    throw new RangeError(`${width}x${height} does not fit ${data.length} values`);
  }
  const ihdr = new Uint8Array(13);
  const hv = new DataView(ihdr.buffer);
  hv.setUint32(0, width);
  hv.setUint32(4, height);
  ihdr[8] = 16; // bit depth; colour type 0, compression 0, filter 0, interlace 0 stay zero
  const stride = 2 * width + 1;
  const raw = new Uint8Array(height * stride);
  const rv = new DataView(raw.buffer);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) rv.setUint16(y * stride + 1 + 2 * x, data[y * width + x]);
  }
  return Buffer.concat([SIGNATURE, chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', new Uint8Array(0))]);
}

export async function writePng16(file: string, data: Uint16Array, width: number, height: number): Promise<void> {
  await writeFileAtomic(file, encodePng16(data, width, height));
}

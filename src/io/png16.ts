import { crc32, deflateSync, inflateSync } from 'node:zlib';
import { FormatError } from '../errors.js';
import { writeFileAtomic } from './atomic.js';
import { readInput } from './npy.js';

/**
 * Single-channel 8- and 16-bit PNG (KITTI and NYU depth ground truth), decoded and encoded here with node:zlib.
 * sharp (libvips 8.18) was measured as the decoder and is not used: `toColourspace('grey16').raw({ depth: 'ushort' })`
 * is exact (plain `raw({ depth: 'ushort' })` gives 3 sRGB channels divided by 256), but warmed up it spends as much
 * CPU as this decoder or more, and it silently accepts image data holding more than the header's rows (a width
 * edited with a matching CRC decodes as shifted garbage, a smaller height drops rows), where this decoder checks
 * the inflated length exactly (docs/datasets.md, "Reading speed"). Only the PNGs depth comes in are read (colour
 * type 0, bit depth 8 or 16, not interlaced); the rest is refused with a clear message: an RGB or palette "depth"
 * PNG is usually a visualisation, not data.
 */

export interface Png16 {
  data: Uint16Array;
  width: number;
  height: number;
  /** 8 or 16; 8-bit values are returned unscaled (0..255). */
  bitDepth: number;
}

/** A PNG whose chunks are sound, before its image data is inflated. */
interface PngChunks {
  width: number;
  height: number;
  bitDepth: number;
  idat: Uint8Array[];
}

const SIGNATURE = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/** Same bound as sharp's default limitInputPixels: a header claiming more is refused before inflating. */
const MAX_PIXELS = 0x3fff * 0x3fff;
const COLOUR_TYPES: Record<number, string> = { 2: 'RGB', 3: 'palette', 4: 'grey+alpha', 6: 'RGBA' };

function readChunks(buf: Uint8Array, file: string): PngChunks {
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
  return { width, height, bitDepth, idat };
}

/** The image data inflated (to exactly the header's size) and unfiltered in place: rows of 1 + width * bpp bytes. */
interface Unfiltered {
  rows: Uint8Array;
  width: number;
  height: number;
  bitDepth: number;
}

function inflateRows(buf: Uint8Array, file: string): Unfiltered {
  const { width, height, bitDepth, idat } = readChunks(buf, file);
  const bpp = bitDepth / 8;
  const expected = height * (width * bpp + 1);
  let rows: Uint8Array;
  // One output chunk of the image's size: the default 16 KiB chunks are concatenated, a second copy of every row.
  try {
    rows = inflateSync(idat.length === 1 ? idat[0] : Buffer.concat(idat), { maxOutputLength: expected, chunkSize: Math.max(expected, 64) });
  } catch (err) {
    throw new FormatError(file, `corrupt PNG image data (${(err as Error).message})`, err);
  }
  if (rows.length !== expected) throw new FormatError(file, `PNG image data holds ${rows.length} bytes, expected ${expected}`);
  unfilter(rows, width, height, bpp, file);
  return { rows, width, height, bitDepth };
}

/**
 * Undoes the per-row PNG filters (None, Sub, Up, Average, Paeth) in place: each row is rebuilt over its own filtered
 * bytes, from the row above already rebuilt (zeros above the first). One loop per filter type (not a switch per
 * byte) and the first pixel's bytes apart, so that the loops carry no bounds test; no row is copied.
 */
function unfilter(raw: Uint8Array, width: number, height: number, bpp: number, file: string): void {
  const stride = width * bpp;
  const zeros = Buffer.alloc(stride);
  const first = Math.min(bpp, stride);
  for (let y = 0; y < height; y++) {
    const s = y * (stride + 1) + 1;
    const filter = raw[s - 1];
    if (filter === 0) continue;
    // The row above: raw itself one row back, or zeros (a Buffer too, so that every access below sees one kind of array).
    const up = y === 0 ? zeros : raw;
    const u = y === 0 ? 0 : s - stride - 1;
    switch (filter) {
      case 1:
        for (let i = first; i < stride; i++) raw[s + i] = (raw[s + i] + raw[s + i - bpp]) & 0xff;
        break;
      case 2:
        for (let i = 0; i < stride; i++) raw[s + i] = (raw[s + i] + up[u + i]) & 0xff;
        break;
      case 3:
        for (let i = 0; i < first; i++) raw[s + i] = (raw[s + i] + (up[u + i] >> 1)) & 0xff;
        for (let i = first; i < stride; i++) raw[s + i] = (raw[s + i] + ((raw[s + i - bpp] + up[u + i]) >> 1)) & 0xff;
        break;
      case 4:
        // With a = c = 0 the Paeth predictor is b (the byte above) for the first pixel.
        for (let i = 0; i < first; i++) raw[s + i] = (raw[s + i] + up[u + i]) & 0xff;
        for (let i = first; i < stride; i++) {
          const a = raw[s + i - bpp];
          const b = up[u + i];
          const c = up[u + i - bpp];
          const pa = Math.abs(b - c);
          const pb = Math.abs(a - c);
          const pc = Math.abs(a + b - 2 * c);
          raw[s + i] = (raw[s + i] + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c)) & 0xff;
        }
        break;
      default:
        throw new FormatError(file, `corrupt PNG (row ${y} has filter type ${filter})`);
    }
  }
}

/** The big-endian samples as they are (8-bit unscaled). */
function samples({ rows, width, height, bitDepth }: Unfiltered): Uint16Array {
  const out = new Uint16Array(width * height);
  const stride = (width * bitDepth) / 8 + 1;
  for (let y = 0; y < height; y++) {
    const o = y * width;
    const s = y * stride + 1;
    if (bitDepth === 16) for (let x = 0; x < width; x++) out[o + x] = (rows[s + 2 * x] << 8) | rows[s + 2 * x + 1];
    else out.set(rows.subarray(s, s + width), o);
  }
  return out;
}

/** sample / scale as float32, straight from the rows (an integer sample is exact in float32: one rounding). */
function scaledSamples({ rows, width, height, bitDepth }: Unfiltered, scale: number): Float32Array {
  const out = new Float32Array(width * height);
  const stride = (width * bitDepth) / 8 + 1;
  for (let y = 0; y < height; y++) {
    const o = y * width;
    const s = y * stride + 1;
    if (bitDepth === 16) for (let x = 0; x < width; x++) out[o + x] = ((rows[s + 2 * x] << 8) | rows[s + 2 * x + 1]) / scale;
    else for (let x = 0; x < width; x++) out[o + x] = rows[s + x] / scale;
  }
  return out;
}

export function decodePng16(buf: Uint8Array, file: string): Png16 {
  const png = inflateRows(buf, file);
  return { data: samples(png), width: png.width, height: png.height, bitDepth: png.bitDepth };
}

export async function readPng16(file: string): Promise<Png16> {
  return decodePng16(await readInput(file), file);
}

/** A depth PNG as float32 sample / scale (readDepthMap's PNG path: no 16-bit copy between the rows and the map). */
export async function readPngDepth(file: string, scale: number): Promise<{ data: Float32Array; width: number; height: number }> {
  const png = inflateRows(await readInput(file), file);
  return { data: scaledSamples(png, scale), width: png.width, height: png.height };
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

const PNG_FILTER_SUB = 1;

/**
 * Encodes 16-bit greyscale: every row filtered with Sub (each byte less the same byte of the sample before), deflated
 * at level 1. Depth maps that models write are smooth, so Sub leaves small residuals: on a smooth 320x240 map it
 * deflates 5x smaller than filter None, and level 1 takes a quarter of the default level's time for 1.6x the
 * default's bytes (noisy sensor maps: 3-5x faster, ~1.4x the bytes). memLevel 9 (twice the hash table) finds the same
 * matches sooner: bytes within 0.6%, 1-7% less time on real sensor maps and up to 30% on noisy ones.
 */
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
  for (let y = 0; y < height; y++) {
    let o = y * stride;
    raw[o++] = PNG_FILTER_SUB;
    let hi = 0;
    let lo = 0;
    for (let x = 0, i = y * width; x < width; x++, i++) {
      const v = data[i];
      raw[o++] = (v >> 8) - hi;
      raw[o++] = (v & 255) - lo;
      hi = v >> 8;
      lo = v & 255;
    }
  }
  return Buffer.concat([SIGNATURE, chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw, { level: 1, memLevel: 9 })), chunk('IEND', new Uint8Array(0))]);
}

export async function writePng16(file: string, data: Uint16Array, width: number, height: number): Promise<void> {
  await writeFileAtomic(file, encodePng16(data, width, height));
}

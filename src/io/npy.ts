import { promises as fs } from 'node:fs';
import { DepthkitError, FormatError } from '../errors.js';
import type { DepthMap } from '../metrics/types.js';
import { writeFileAtomic } from './atomic.js';
import { f16ToF32 } from './half-float.js';

/**
 * NumPy `.npy` files (format versions 1.0, 2.0 and 3.0). Everything the header claims is checked against the bytes
 * actually present before anything is allocated, so a hostile or truncated file is a FormatError, never a crash or
 * a huge allocation. Fortran-ordered arrays are transposed to C (row-major) order on reading.
 */

export interface NpyArray {
  shape: number[];
  /** Values converted to float32, in C order. Booleans read as 0/1. */
  data: Float32Array;
  /** The header's descr, e.g. '<f4', '>u2', '|b1'. */
  dtype: string;
}

/** What the header says, validated against the length of the buffer it came from. */
export interface NpyHeader {
  dtype: string;
  kind: 'f' | 'u' | 'i' | 'b';
  itemSize: number;
  littleEndian: boolean;
  fortranOrder: boolean;
  shape: number[];
  /** Number of elements (product of the shape). */
  count: number;
  /** Offset of the first data byte. */
  dataOffset: number;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
/** numpy itself refuses headers over 10000 bytes unless told otherwise; 1 MiB leaves room and bounds the parse. */
const MAX_HEADER_BYTES = 1 << 20;

/** descr without byte order -> element kind and size. int8 is left out: no depth format uses it. */
const DTYPES: Record<string, { kind: NpyHeader['kind']; itemSize: number }> = {
  f2: { kind: 'f', itemSize: 2 },
  f4: { kind: 'f', itemSize: 4 },
  f8: { kind: 'f', itemSize: 8 },
  u1: { kind: 'u', itemSize: 1 },
  u2: { kind: 'u', itemSize: 2 },
  i2: { kind: 'i', itemSize: 2 },
  i4: { kind: 'i', itemSize: 4 },
  b1: { kind: 'b', itemSize: 1 },
};

/**
 * Parses and validates the header. `totalBytes` is the full size of the npy data (file or zip member); the data
 * must fill it exactly. Only `buf` up to the end of the header needs to be present.
 */
export function parseNpyHeader(buf: Uint8Array, totalBytes: number, file: string): NpyHeader {
  if (totalBytes === 0) throw new FormatError(file, 'empty file, not a .npy array');
  if (buf.length < 10 || MAGIC.some((b, i) => buf[i] !== b)) throw new FormatError(file, 'not a .npy file (bad magic)');
  const major = buf[6];
  if (major < 1 || major > 3 || buf[7] !== 0) throw new FormatError(file, `unsupported .npy format version ${major}.${buf[7]}`);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const prefix = major === 1 ? 10 : 12;
  if (buf.length < prefix) throw new FormatError(file, 'truncated .npy header');
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  if (headerLen > MAX_HEADER_BYTES) throw new FormatError(file, `.npy header length ${headerLen} is implausible`);
  const dataOffset = prefix + headerLen;
  if (dataOffset > buf.length || dataOffset > totalBytes) throw new FormatError(file, 'truncated .npy header');
  let text: string;
  try {
    text = new TextDecoder(major === 3 ? 'utf-8' : 'latin1', { fatal: true }).decode(buf.subarray(prefix, dataOffset));
  } catch (err) {
    throw new FormatError(file, '.npy version 3 header is not valid UTF-8', err);
  }
  const fields = headerFields(text, file);
  const descr = /^['"]([^]*)['"]$/.exec(fields.get('descr') ?? '')?.[1];
  if (descr === undefined) throw new FormatError(file, '.npy header has no simple descr (structured dtypes are not supported)');
  const order = descr[0];
  const spec = DTYPES[descr.slice(1)];
  if (!spec || !['<', '>', '|'].includes(order) || (order === '|' && spec.itemSize !== 1)) {
    throw new FormatError(file, `unsupported .npy dtype '${descr}' (supported: f4 f8 u1 u2 i2 i4 b1)`);
  }
  const fortran = fields.get('fortran_order');
  if (fortran !== 'True' && fortran !== 'False') throw new FormatError(file, '.npy header has no fortran_order');
  const shapeText = /^\(([^]*)\)$/.exec(fields.get('shape') ?? '')?.[1];
  if (shapeText === undefined) throw new FormatError(file, '.npy header has no shape');
  const shape = parseShape(shapeText, file);

  let count = 1;
  for (const d of shape) count *= d;
  const dataBytes = count * spec.itemSize;
  if (!Number.isSafeInteger(dataBytes) || dataBytes !== totalBytes - dataOffset) {
    throw new FormatError(
      file,
      `.npy header claims shape (${shape.join(', ')}) of ${descr} = ${dataBytes} data bytes but the file holds ${totalBytes - dataOffset}`,
    );
  }
  return {
    dtype: descr,
    kind: spec.kind,
    itemSize: spec.itemSize,
    littleEndian: order !== '>',
    fortranOrder: fortran === 'True',
    shape,
    count,
    dataOffset,
  };
}

const STR = String.raw`'[^']*'|"[^"]*"`;
/** Header values: a string, a bool, a tuple of ints, or a list (a structured descr, refused later by name). */
const VALUE = String.raw`${STR}|True|False|\([^()]*\)|\[[^[\]]*\]`;
/** Python's whitespace, not JavaScript's \s (which also takes a latin1 no-break space, as a flipped bit gives). */
const WS = String.raw`[ \t\n\r\f]*`;
const ENTRY = new RegExp(String.raw`(${STR})${WS}:${WS}(${VALUE})`, 'g');
const DICT = new RegExp(String.raw`^\{${WS}(?:(?:${STR})${WS}:${WS}(?:${VALUE})${WS}(?:,${WS}|(?=\})))*\}${WS}$`);
const HEADER_KEYS = ['descr', 'fortran_order', 'shape'];

/**
 * The header's key -> value text. numpy evaluates the header as one dict literal with exactly these three keys,
 * padded with whitespace; anything else (a flipped brace, bytes in the padding, a stray key) is a corrupt file.
 */
function headerFields(text: string, file: string): Map<string, string> {
  if (!DICT.test(text)) throw new FormatError(file, '.npy header is not a dict literal padded with spaces');
  const fields = new Map<string, string>();
  for (const [, key, value] of text.matchAll(ENTRY)) {
    const name = key.slice(1, -1);
    if (!HEADER_KEYS.includes(name) || fields.has(name)) throw new FormatError(file, `.npy header has an unexpected or repeated key '${name}'`);
    fields.set(name, value);
  }
  return fields;
}

function parseShape(text: string, file: string): number[] {
  const parts = text.split(',').map((s) => s.trim());
  if (parts.length > 0 && parts[parts.length - 1] === '') parts.pop(); // "(3,)" and "()"
  return parts.map((p) => {
    // Python 2 era writers append 'L' to longs.
    if (!/^-?\d+L?$/.test(p)) throw new FormatError(file, `.npy shape has a non-integer dimension '${p}'`);
    const d = Number(p.replace('L', ''));
    if (d < 0) throw new FormatError(file, `.npy shape has a negative dimension ${d}`);
    if (!Number.isSafeInteger(d)) throw new FormatError(file, `.npy shape dimension ${p} is too large`);
    return d;
  });
}

/** Converts `count` elements starting at `bytes[0]` to float32 (one aligned copy; byte-swapped when big-endian). */
export function convertElements(bytes: Uint8Array, header: NpyHeader, count: number): Float32Array {
  const size = header.itemSize;
  // A fresh, aligned copy (Buffer#slice would share the pool, and typed views need alignment).
  const copy = new Uint8Array(count * size);
  copy.set(bytes.subarray(0, count * size));
  if (!header.littleEndian && size > 1) {
    for (let i = 0; i < copy.length; i += size) {
      for (let a = i, b = i + size - 1; a < b; a++, b--) {
        const t = copy[a];
        copy[a] = copy[b];
        copy[b] = t;
      }
    }
  }
  const buf = copy.buffer;
  switch (`${header.kind}${size}`) {
    case 'f4':
      return new Float32Array(buf);
    case 'f8':
      return Float32Array.from(new Float64Array(buf));
    case 'f2':
      return f16ToF32(new Uint16Array(buf));
    case 'u1':
      return Float32Array.from(copy);
    case 'u2':
      return Float32Array.from(new Uint16Array(buf));
    case 'i2':
      return Float32Array.from(new Int16Array(buf));
    case 'i4':
      return Float32Array.from(new Int32Array(buf));
    default: // b1
      return Float32Array.from(copy, (v) => (v !== 0 ? 1 : 0));
  }
}

/** Reorders a Fortran-ordered (column-major) array of the given shape into C order. */
function fortranToC(src: Float32Array, shape: number[]): Float32Array {
  const n = shape.length;
  if (n < 2) return src;
  const stride = new Array<number>(n); // Fortran strides: first axis fastest
  stride[0] = 1;
  for (let k = 1; k < n; k++) stride[k] = stride[k - 1] * shape[k - 1];
  const out = new Float32Array(src.length);
  const idx = new Array<number>(n).fill(0);
  let off = 0;
  for (let i = 0; i < out.length; i++) {
    out[i] = src[off];
    // Advance the C-order multi-index (last axis fastest) and keep the Fortran offset in step.
    for (let k = n - 1; k >= 0; k--) {
      idx[k]++;
      off += stride[k];
      if (idx[k] < shape[k]) break;
      off -= stride[k] * shape[k];
      idx[k] = 0;
    }
  }
  return out;
}

/**
 * Decodes a whole .npy held in memory. `owned`: the caller gives `buf` away (nothing else holds its ArrayBuffer), so
 * little-endian float32 data aligned in it is returned as a view, without the copy (a third of reading a prediction).
 */
export function decodeNpy(buf: Uint8Array, file: string, owned = false): NpyArray {
  const h = parseNpyHeader(buf, buf.length, file);
  const at = buf.byteOffset + h.dataOffset;
  const view = owned && buf.buffer.byteLength === buf.byteLength && h.kind === 'f' && h.itemSize === 4 && h.littleEndian && at % 4 === 0;
  const flat = view ? new Float32Array(buf.buffer, at, h.count) : convertElements(buf.subarray(h.dataOffset), h, h.count);
  return { shape: h.shape, data: h.fortranOrder ? fortranToC(flat, h.shape) : flat, dtype: h.dtype };
}

export async function readNpy(file: string): Promise<NpyArray> {
  // fs.readFile's buffer is this call's alone (checked again in decodeNpy: it spans its whole ArrayBuffer).
  return decodeNpy(await readInput(file), file, true);
}

/** Reads a whole input file; a missing or unreadable file is a DepthkitError naming it. */
export async function readInput(file: string): Promise<Uint8Array> {
  try {
    return await fs.readFile(file);
  } catch (err) {
    throw new DepthkitError(`cannot read (${(err as NodeJS.ErrnoException).code ?? 'error'})`, { file, cause: err });
  }
}

/** A 2-D map as a DepthMap: shapes (H,W), (1,H,W) and (H,W,1) are accepted. */
export function npyToDepthMap(arr: NpyArray, file: string): DepthMap {
  const s = arr.shape;
  let hw: [number, number] | undefined;
  if (s.length === 2) hw = [s[0], s[1]];
  else if (s.length === 3 && s[0] === 1) hw = [s[1], s[2]];
  else if (s.length === 3 && s[2] === 1) hw = [s[0], s[1]];
  if (!hw) throw new FormatError(file, `expected a 2-D depth map (H,W), (1,H,W) or (H,W,1), got shape (${s.join(', ')})`);
  return { data: arr.data, width: hw[1], height: hw[0] };
}

export async function readNpyDepthMap(file: string): Promise<DepthMap> {
  return npyToDepthMap(await readNpy(file), file);
}

/** Encodes float32 or uint16 data as a little-endian, C-order, version 1.0 .npy. */
export function encodeNpy(data: Float32Array | Uint16Array, shape: number[]): Uint8Array {
  const count = shape.reduce((a, b) => a * b, 1);
  if (shape.some((d) => !Number.isInteger(d) || d < 0) || count !== data.length) {
    throw new RangeError(`shape (${shape.join(', ')}) does not fit ${data.length} values`);
  }
  const descr = data instanceof Float32Array ? '<f4' : '<u2';
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  // numpy pads with spaces and a final newline so that the data starts on a 64-byte boundary.
  const total = Math.ceil((10 + header.length + 1) / 64) * 64;
  header = header.padEnd(total - 10 - 1, ' ') + '\n';
  const out = new Uint8Array(total + data.byteLength);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), 10);
  // Typed arrays use host byte order, which is little-endian on every platform Node ships for.
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), total);
  return out;
}

export async function writeNpy(file: string, data: Float32Array | Uint16Array, shape: number[]): Promise<void> {
  await writeFileAtomic(file, encodeNpy(data, shape));
}

import { openSync, readSync, closeSync, fstatSync } from 'node:fs';
import { FormatError } from '../errors.js';
import { writeFileAtomic } from './atomic.js';
import { f16ToF32 } from './half-float.js';

/**
 * The safetensors format (Hugging Face): u64 little-endian header length, a JSON header
 * {name: {dtype, shape, data_offsets: [begin, end]}, __metadata__?: {string: string}}, then the raw bytes.
 * Reading is lazy: the header is validated up front, each tensor is read from disk only when asked for, so a
 * 600 MB CLIP file never sits in memory twice and unused tensors are never read.
 */

const ITEM_SIZE: Record<string, number> = {
  F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U64: 8, U32: 4, U16: 2, U8: 1, BOOL: 1,
  F8_E4M3: 1, F8_E5M2: 1,
};
/** 100 MB: real headers are a few hundred KB; a larger value means a corrupt or hostile file. */
const MAX_HEADER = 100 * 1024 * 1024;

export interface TensorInfo {
  name: string;
  dtype: string;
  shape: number[];
  /** Byte range inside the data section (after the header). */
  begin: number;
  end: number;
}

export interface Tensor {
  shape: number[];
  data: Float32Array;
}

export interface SafetensorsReader {
  readonly file: string;
  readonly metadata: Record<string, string>;
  /** Tensor entries in file order. */
  readonly tensors: ReadonlyMap<string, TensorInfo>;
  /** Reads one tensor as float32 (F16 and BF16 are widened exactly). */
  read(name: string): Tensor;
  close(): void;
}

function product(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Parses and validates the JSON header; `dataSize` is the number of bytes after it. */
export function parseHeader(file: string, json: string, dataSize: number): { metadata: Record<string, string>; tensors: Map<string, TensorInfo> } {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (err) {
    throw new FormatError(file, 'safetensors header is not valid JSON', err);
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new FormatError(file, 'safetensors header is not a JSON object');
  const metadata: Record<string, string> = {};
  const tensors = new Map<string, TensorInfo>();
  for (const [name, value] of Object.entries(raw as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (!value || typeof value !== 'object') throw new FormatError(file, '__metadata__ is not a string map');
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        if (typeof v !== 'string') throw new FormatError(file, `__metadata__.${k} is not a string`);
        metadata[k] = v;
      }
      continue;
    }
    const entry = value as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    const item = typeof entry?.dtype === 'string' ? ITEM_SIZE[entry.dtype] : undefined;
    if (!item) throw new FormatError(file, `tensor ${name}: unknown dtype ${String(entry?.dtype)}`);
    const shape = entry.shape;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw new FormatError(file, `tensor ${name}: bad shape ${JSON.stringify(shape)}`);
    }
    const off = entry.data_offsets;
    if (!Array.isArray(off) || off.length !== 2 || !off.every((o) => Number.isSafeInteger(o) && o >= 0) || off[0] > off[1]) {
      throw new FormatError(file, `tensor ${name}: bad data_offsets ${JSON.stringify(off)}`);
    }
    const [begin, end] = off as [number, number];
    if (end > dataSize) throw new FormatError(file, `tensor ${name}: data_offsets ${begin}..${end} run past the end of the file (${dataSize} data bytes); truncated?`);
    if (end - begin !== product(shape) * item) {
      throw new FormatError(file, `tensor ${name}: ${end - begin} bytes for shape [${shape.join(',')}] ${entry.dtype}`);
    }
    tensors.set(name, { name, dtype: entry.dtype as string, shape: shape as number[], begin, end });
  }
  const sorted = [...tensors.values()].sort((a, b) => a.begin - b.begin);
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i].begin < sorted[i - 1].end) throw new FormatError(file, `tensors ${sorted[i - 1].name} and ${sorted[i].name} overlap`);
  }
  return { metadata, tensors };
}

/** bfloat16 is the top half of a float32. */
function bf16ToF32(src: Uint16Array): Float32Array {
  const bits = new Uint32Array(src.length);
  for (let i = 0; i < src.length; i++) bits[i] = src[i] << 16;
  return new Float32Array(bits.buffer);
}

function decode(file: string, info: TensorInfo, bytes: Buffer): Float32Array {
  // Copy into a fresh, aligned buffer: the slice may start at any byte offset.
  const copy = new Uint8Array(bytes.length);
  copy.set(bytes);
  if (info.dtype === 'F32') return new Float32Array(copy.buffer);
  if (info.dtype === 'F16') return f16ToF32(new Uint16Array(copy.buffer));
  if (info.dtype === 'BF16') return bf16ToF32(new Uint16Array(copy.buffer));
  throw new FormatError(file, `tensor ${info.name}: dtype ${info.dtype} is not supported (F32, F16, BF16)`);
}

export function openSafetensors(file: string): SafetensorsReader {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (err) {
    throw new FormatError(file, `cannot open (${(err as NodeJS.ErrnoException).code ?? 'error'})`, err);
  }
  try {
    const size = fstatSync(fd).size;
    if (size < 8) throw new FormatError(file, `not a safetensors file (${size} bytes)`);
    const lenBuf = Buffer.alloc(8);
    readSync(fd, lenBuf, 0, 8, 0);
    const headerLen = lenBuf.readBigUInt64LE(0);
    if (headerLen < 2n || headerLen > BigInt(Math.min(MAX_HEADER, size - 8))) {
      throw new FormatError(file, `not a safetensors file (header length ${headerLen} for a ${size}-byte file)`);
    }
    const hlen = Number(headerLen);
    const headerBuf = Buffer.alloc(hlen);
    readSync(fd, headerBuf, 0, hlen, 8);
    const dataStart = 8 + hlen;
    const { metadata, tensors } = parseHeader(file, headerBuf.toString('utf8'), size - dataStart);
    return {
      file,
      metadata,
      tensors,
      read(name: string): Tensor {
        const info = tensors.get(name);
        if (!info) throw new FormatError(file, `no tensor named ${name}`);
        const bytes = Buffer.alloc(info.end - info.begin);
        if (bytes.length) readSync(fd, bytes, 0, bytes.length, dataStart + info.begin);
        return { shape: [...info.shape], data: decode(file, info, bytes) };
      },
      close() {
        closeSync(fd);
      },
    };
  } catch (err) {
    closeSync(fd);
    throw err;
  }
}

/** Reads every tensor of a small file (checkpoints, test fixtures). */
export function readSafetensors(file: string): { metadata: Record<string, string>; tensors: Map<string, Tensor> } {
  const reader = openSafetensors(file);
  try {
    const tensors = new Map<string, Tensor>();
    for (const name of reader.tensors.keys()) tensors.set(name, reader.read(name));
    return { metadata: { ...reader.metadata }, tensors };
  } finally {
    reader.close();
  }
}

/** Serialises float32 tensors (in the given order) to safetensors bytes; the header is padded to 8 bytes. */
export function encodeSafetensors(tensors: Iterable<[string, Tensor]>, metadata?: Record<string, string>): Uint8Array {
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length) header.__metadata__ = metadata;
  const parts: Float32Array[] = [];
  let offset = 0;
  for (const [name, t] of tensors) {
    if (product(t.shape) !== t.data.length) throw new Error(`tensor ${name}: ${t.data.length} values for shape [${t.shape.join(',')}]`);
    header[name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + t.data.byteLength] };
    offset += t.data.byteLength;
    parts.push(t.data);
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((Buffer.byteLength(json) + 8) % 8)) % 8);
  const jsonBytes = Buffer.from(json, 'utf8');
  const out = new Uint8Array(8 + jsonBytes.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(jsonBytes.length), true);
  out.set(jsonBytes, 8);
  let pos = 8 + jsonBytes.length;
  for (const p of parts) {
    out.set(new Uint8Array(p.buffer, p.byteOffset, p.byteLength), pos);
    pos += p.byteLength;
  }
  return out;
}

export async function writeSafetensors(file: string, tensors: Iterable<[string, Tensor]>, metadata?: Record<string, string>): Promise<void> {
  await writeFileAtomic(file, encodeSafetensors(tensors, metadata));
}

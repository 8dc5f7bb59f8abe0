import { promises as fs } from 'node:fs';
import { crc32 } from 'node:zlib';
import { Inflate, inflateSync } from 'fflate';
import { DepthkitError, FormatError } from '../errors.js';
import type { DepthMap } from '../metrics/types.js';
import { convertElements, decodeNpy, parseNpyHeader, type NpyArray, type NpyHeader } from './npy.js';
import { leavesFolder } from './safe-path.js';

/**
 * NumPy `.npz` archives: a zip of `.npy` members, stored or deflated (np.savez / np.savez_compressed). The central
 * directory is parsed here rather than by fflate's unzip, because fflate sizes its output buffer from the
 * archive's own claim; here every claimed size and offset is checked against the file first, and only the one
 * member asked for is read from disk and inflated.
 */

interface ZipMember {
  name: string;
  method: number;
  flags: number;
  crc: number;
  compressedSize: number;
  size: number;
  localHeaderOffset: number;
}

/** Deflate cannot expand data by more than ~1032x; a larger claimed ratio is a corrupt or hostile archive. */
const MAX_DEFLATE_RATIO = 1032;
/** Largest member depthkit will hold in memory (also about the largest typed array Node allows). */
const MAX_MEMBER_BYTES = 2 ** 31 - 1;
const EOCD_SIZE = 22;

async function readAt(h: fs.FileHandle, offset: number, length: number): Promise<Uint8Array> {
  const buf = new Uint8Array(length);
  const { bytesRead } = await h.read(buf, 0, length, offset);
  return buf.subarray(0, bytesRead);
}

function u64(view: DataView, at: number, file: string): number {
  const v = view.getBigUint64(at, true);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new FormatError(file, 'zip64 size or offset out of range');
  return Number(v);
}

/** Finds the end-of-central-directory record and returns where the central directory lies. */
async function locateCentralDirectory(h: fs.FileHandle, fileSize: number, file: string) {
  if (fileSize < EOCD_SIZE) throw new FormatError(file, fileSize === 0 ? 'empty file, not an .npz archive' : 'not an .npz (zip) archive');
  const tailLen = Math.min(fileSize, EOCD_SIZE + 0xffff);
  const tailStart = fileSize - tailLen;
  const tail = await readAt(h, tailStart, tailLen);
  const tv = new DataView(tail.buffer, tail.byteOffset, tail.byteLength);
  let at = -1;
  for (let i = tail.length - EOCD_SIZE; i >= 0; i--) {
    if (tv.getUint32(i, true) === 0x06054b50) {
      at = i;
      break;
    }
  }
  if (at < 0) throw new FormatError(file, 'not an .npz (zip) archive: no end of central directory');
  let entries = tv.getUint16(at + 10, true);
  let size = tv.getUint32(at + 12, true);
  let offset = tv.getUint32(at + 16, true);
  if (entries === 0xffff || size === 0xffffffff || offset === 0xffffffff) {
    const loc = at - 20;
    if (loc < 0 || tv.getUint32(loc, true) !== 0x07064b50) throw new FormatError(file, 'zip64 locator missing');
    const recAt = u64(tv, loc + 8, file);
    if (recAt + 56 > fileSize) throw new FormatError(file, 'zip64 end record out of range');
    const rec = await readAt(h, recAt, 56);
    const rv = new DataView(rec.buffer, rec.byteOffset, rec.byteLength);
    if (rec.length < 56 || rv.getUint32(0, true) !== 0x06064b50) throw new FormatError(file, 'bad zip64 end record');
    entries = u64(rv, 32, file);
    size = u64(rv, 40, file);
    offset = u64(rv, 48, file);
  }
  if (offset + size > fileSize || entries * 46 > size) {
    throw new FormatError(file, `zip central directory (${entries} entries, ${size} bytes at ${offset}) does not fit the file`);
  }
  return { entries, size, offset };
}

function checkMemberName(name: string, file: string): void {
  if (leavesFolder(name)) {
    throw new FormatError(file, `refusing zip member with an unsafe path '${name}'`);
  }
}

async function readMembers(h: fs.FileHandle, file: string): Promise<ZipMember[]> {
  const fileSize = (await h.stat()).size;
  const cd = await locateCentralDirectory(h, fileSize, file);
  const buf = await readAt(h, cd.offset, cd.size);
  const v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const members: ZipMember[] = [];
  let p = 0;
  for (let n = 0; n < cd.entries; n++) {
    if (p + 46 > buf.length || v.getUint32(p, true) !== 0x02014b50) throw new FormatError(file, 'corrupt zip central directory');
    const flags = v.getUint16(p + 8, true);
    const nameLen = v.getUint16(p + 28, true);
    const extraLen = v.getUint16(p + 30, true);
    const commentLen = v.getUint16(p + 32, true);
    const end = p + 46 + nameLen + extraLen + commentLen;
    if (end > buf.length) throw new FormatError(file, 'corrupt zip central directory');
    const name = new TextDecoder(flags & 0x800 ? 'utf-8' : 'latin1').decode(buf.subarray(p + 46, p + 46 + nameLen));
    checkMemberName(name, file);
    const m: ZipMember = {
      name,
      method: v.getUint16(p + 10, true),
      flags,
      crc: v.getUint32(p + 16, true),
      compressedSize: v.getUint32(p + 20, true),
      size: v.getUint32(p + 24, true),
      localHeaderOffset: v.getUint32(p + 42, true),
    };
    applyZip64Extra(v, p + 46 + nameLen, extraLen, m, file);
    members.push(m);
    p = end;
  }
  return members;
}

/** Replaces 0xffffffff placeholders with the 64-bit values of the zip64 extra field (in the order the spec fixes). */
function applyZip64Extra(v: DataView, start: number, len: number, m: ZipMember, file: string): void {
  for (let q = start; q + 4 <= start + len; ) {
    const id = v.getUint16(q, true);
    const size = v.getUint16(q + 2, true);
    if (q + 4 + size > start + len) throw new FormatError(file, 'corrupt zip extra field');
    if (id === 0x0001) {
      let r = q + 4;
      for (const key of ['size', 'compressedSize', 'localHeaderOffset'] as const) {
        if (m[key] !== 0xffffffff) continue;
        if (r + 8 > q + 4 + size) throw new FormatError(file, 'corrupt zip64 extra field');
        m[key] = u64(v, r, file);
        r += 8;
      }
    }
    q += 4 + size;
  }
}

const keyOf = (name: string) => name.slice(0, -'.npy'.length);

async function openArchive(file: string): Promise<fs.FileHandle> {
  try {
    return await fs.open(file, 'r');
  } catch (err) {
    throw new DepthkitError(`cannot read (${(err as NodeJS.ErrnoException).code ?? 'error'})`, { file, cause: err });
  }
}

async function withArchive<T>(file: string, fn: (h: fs.FileHandle) => Promise<T>): Promise<T> {
  const h = await openArchive(file);
  try {
    return await fn(h);
  } finally {
    await h.close();
  }
}

/** The array names in an .npz (member names without `.npy`), in archive order. */
export async function listNpzKeys(file: string): Promise<string[]> {
  return withArchive(file, async (h) => (await readMembers(h, file)).filter((m) => m.name.endsWith('.npy')).map((m) => keyOf(m.name)));
}

/** Finds one member and checks its claims (method, sizes, local header) against the file. */
async function locateMember(h: fs.FileHandle, file: string, key: string): Promise<{ m: ZipMember; dataStart: number; what: string }> {
  const members = await readMembers(h, file);
  const m = members.find((x) => x.name === `${key}.npy`);
  if (!m) throw new FormatError(file, `no array '${key}' (has: ${members.map((x) => keyOf(x.name)).join(', ') || 'none'})`);
  const what = `zip member '${m.name}'`;
  if (m.flags & 1) throw new FormatError(file, `${what} is encrypted`);
  if (m.method !== 0 && m.method !== 8) throw new FormatError(file, `${what} uses compression method ${m.method} (only stored and deflate are supported)`);
  const maxSize = m.method === 0 ? m.compressedSize : m.compressedSize * MAX_DEFLATE_RATIO + 1024;
  if (m.size > MAX_MEMBER_BYTES || m.size > maxSize) {
    throw new FormatError(file, `${what} claims ${m.size} bytes from ${m.compressedSize} compressed; refusing`);
  }
  const local = await readAt(h, m.localHeaderOffset, 30);
  const lv = new DataView(local.buffer, local.byteOffset, local.byteLength);
  if (local.length < 30 || lv.getUint32(0, true) !== 0x04034b50) throw new FormatError(file, `${what} has a corrupt local header`);
  const dataStart = m.localHeaderOffset + 30 + lv.getUint16(26, true) + lv.getUint16(28, true);
  if (dataStart + m.compressedSize > (await h.stat()).size) throw new FormatError(file, `${what} is truncated`);
  return { m, dataStart, what };
}

/** The decompressed `.npy` bytes of one member; no other member is read or inflated. */
export async function readNpzMember(file: string, key: string): Promise<Uint8Array> {
  return withArchive(file, async (h) => {
    const { m, dataStart, what } = await locateMember(h, file, key);
    const raw = await readAt(h, dataStart, m.compressedSize);
    let out: Uint8Array;
    try {
      // One spare byte: fflate silently stops at the end of `out`, so a member longer than declared shows as size + 1.
      out = m.method === 0 ? raw : inflateSync(raw, { out: new Uint8Array(m.size + 1) });
    } catch (err) {
      throw new FormatError(file, `${what} does not inflate (${(err as Error).message})`, err);
    }
    if (out.length !== m.size || crc32(out) >>> 0 !== m.crc >>> 0) throw new FormatError(file, `${what} is corrupt (size or CRC mismatch)`);
    return out;
  });
}

/** One array of an .npz, converted like readNpy. */
export async function readNpz(file: string, key: string): Promise<NpyArray> {
  return decodeNpy(await readNpzMember(file, key), `${file}:${key}`);
}

/** A stack of 2-D maps read frame by frame from one in-memory copy of the raw .npy bytes. */
export interface NpyStack {
  shape: number[];
  dtype: string;
  frames: number;
  width: number;
  height: number;
  /** Converts frame t (0-based) to float32; only that frame is copied. */
  frame(t: number): DepthMap;
}

/** Frame count and size of a (T,H,W), (T,1,H,W) or (T,H,W,1) array; Fortran order is refused (frames would be scattered). */
function stackLayout(h: NpyHeader, file: string) {
  const s = h.shape;
  let thw: [number, number, number] | undefined;
  if (s.length === 3) thw = [s[0], s[1], s[2]];
  else if (s.length === 4 && s[1] === 1) thw = [s[0], s[2], s[3]];
  else if (s.length === 4 && s[3] === 1) thw = [s[0], s[1], s[2]];
  if (!thw) throw new FormatError(file, `expected a stack of depth maps (T,H,W), got shape (${s.join(', ')})`);
  if (h.fortranOrder) throw new FormatError(file, 'Fortran-ordered stacks are not supported; save with np.ascontiguousarray');
  const [frames, height, width] = thw;
  if (width === 0 || height === 0) throw new FormatError(file, `stack of empty ${height}x${width} frames`);
  return { frames, height, width, frameBytes: width * height * h.itemSize };
}

/** Frame access into a raw stacked .npy buffer held in memory. */
export function npyStack(buf: Uint8Array, file: string): NpyStack {
  const h = parseNpyHeader(buf, buf.length, file);
  const { frames, height, width, frameBytes } = stackLayout(h, file);
  return {
    shape: h.shape,
    dtype: h.dtype,
    frames,
    width,
    height,
    frame(t: number): DepthMap {
      if (!Number.isInteger(t) || t < 0 || t >= frames) throw new RangeError(`frame ${t} out of range 0..${frames - 1}`);
      const start = h.dataOffset + t * frameBytes;
      return { data: convertElements(buf.subarray(start, start + frameBytes), h, width * height), width, height };
    },
  };
}

/** Opens a (T,H,W) array inside an .npz for frame-by-frame reading (one decompressed copy held). */
export async function openNpzStack(file: string, key: string): Promise<NpyStack> {
  return npyStack(await readNpzMember(file, key), `${file}:${key}`);
}

/** Bytes arriving in chunks, taken out in arbitrary-sized pieces without re-concatenating the whole. */
class ByteQueue {
  private chunks: Uint8Array[] = [];
  length = 0;
  push(c: Uint8Array): void {
    this.chunks.push(c);
    this.length += c.length;
  }
  /** Copies the first n bytes out without consuming them. */
  peek(n: number): Uint8Array {
    const out = new Uint8Array(n);
    let at = 0;
    for (const c of this.chunks) {
      if (at >= n) break;
      const part = c.subarray(0, n - at);
      out.set(part, at);
      at += part.length;
    }
    return out;
  }
  take(n: number): Uint8Array {
    const out = this.peek(n);
    let left = n;
    while (left > 0) {
      const c = this.chunks[0];
      if (c.length <= left) {
        this.chunks.shift();
        left -= c.length;
      } else {
        this.chunks[0] = c.subarray(left);
        left = 0;
      }
    }
    this.length -= n;
    return out;
  }
}

/** Enough leading bytes to hold any header parseNpyHeader accepts. */
const HEADER_PROBE = (1 << 20) + 12;

/**
 * Yields the frames of a (T,H,W) array inside an .npz while it is read and inflated in chunks: memory stays at
 * about one frame plus one chunk, whatever T is. The CRC covers the whole member, so corruption is reported (as a
 * FormatError) only after the frames before it were yielded.
 */
export async function* streamNpzFrames(file: string, key: string, chunkBytes = 1 << 16): AsyncGenerator<DepthMap> {
  const h = await openArchive(file);
  try {
    const { m, dataStart, what } = await locateMember(h, file, key);
    const name = `${file}:${key}`;
    const queue = new ByteQueue();
    let total = 0;
    let crc = 0;
    const accept = (chunk: Uint8Array) => {
      total += chunk.length;
      if (total > m.size) throw new FormatError(file, `${what} inflates past its declared ${m.size} bytes`);
      crc = crc32(chunk, crc);
      queue.push(chunk);
    };
    const inflater = m.method === 8 ? new Inflate((chunk) => accept(chunk)) : undefined;
    let header: NpyHeader | undefined;
    let layout: ReturnType<typeof stackLayout> | undefined;
    let pos = 0;
    do {
      const raw = await readAt(h, dataStart + pos, Math.min(chunkBytes, m.compressedSize - pos));
      const final = pos + chunkBytes >= m.compressedSize;
      try {
        if (inflater) inflater.push(raw, final);
        else accept(raw);
      } catch (err) {
        if (err instanceof FormatError) throw err;
        throw new FormatError(file, `${what} does not inflate (${(err as Error).message})`, err);
      }
      if (!header && (queue.length >= HEADER_PROBE || total === m.size || final)) {
        header = parseNpyHeader(queue.peek(Math.min(queue.length, HEADER_PROBE)), m.size, name);
        layout = stackLayout(header, name);
        queue.take(header.dataOffset);
      }
      while (header && layout && queue.length >= layout.frameBytes) {
        const bytes = queue.take(layout.frameBytes);
        yield { data: convertElements(bytes, header, layout.width * layout.height), width: layout.width, height: layout.height };
      }
      pos += chunkBytes;
    } while (pos < m.compressedSize);
    if (total !== m.size || crc >>> 0 !== m.crc >>> 0) throw new FormatError(file, `${what} is corrupt (size or CRC mismatch)`);
  } finally {
    await h.close();
  }
}

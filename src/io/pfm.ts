import { FormatError } from '../errors.js';
import type { DepthMap } from '../metrics/types.js';
import { writeFileAtomic } from './atomic.js';
import { readInput } from './npy.js';

/**
 * Portable float maps: `Pf` (1 channel) or `PF` (3 channels), "W H", a scale whose sign gives the byte order
 * (negative = little-endian; its magnitude is ignored, as every reader in practice does), then float32 rows stored
 * bottom-to-top. Data is returned top-to-bottom, channels interleaved. As depth only `Pf` is accepted: a `PF`
 * file is read by readPfm but refused by pfmToDepthMap rather than guessing which channel holds depth.
 */

export interface Pfm {
  data: Float32Array;
  width: number;
  height: number;
  channels: 1 | 3;
}

/** The header is three whitespace-separated lines; anything longer than this is not a PFM header. */
const MAX_HEADER = 256;

export function decodePfm(buf: Uint8Array, file: string): Pfm {
  if (buf.length === 0) throw new FormatError(file, 'empty file, not a PFM');
  const head = new TextDecoder('latin1').decode(buf.subarray(0, MAX_HEADER));
  // Magic, width, height, scale, then exactly one whitespace byte before the data.
  const m = /^(P[Ff])[ \t\r\n]+([^ \t\r\n]+)[ \t\r\n]+([^ \t\r\n]+)[ \t\r\n]+([^ \t\r\n]+)[ \t\r\n]/.exec(head);
  if (!m) throw new FormatError(file, buf[0] === 0x50 && (buf[1] === 0x66 || buf[1] === 0x46) ? 'truncated PFM header' : 'not a PFM file (bad magic)');
  const channels = m[1] === 'PF' ? 3 : 1;
  const [width, height] = [m[2], m[3]].map((t) => {
    if (!/^\d+$/.test(t)) throw new FormatError(file, `PFM dimension '${t}' is not a positive integer`);
    return Number(t);
  });
  const scale = Number(m[4]);
  if (!Number.isFinite(scale) || scale === 0) throw new FormatError(file, `PFM scale '${m[4]}' is not a non-zero number`);
  if (width === 0 || height === 0) throw new FormatError(file, `PFM size ${width}x${height} is empty`);
  const offset = m[0].length;
  const bytes = width * height * channels * 4;
  if (!Number.isSafeInteger(bytes) || bytes !== buf.length - offset) {
    throw new FormatError(file, `PFM header claims ${width}x${height}x${channels} float32 = ${bytes} bytes but the file holds ${buf.length - offset}`);
  }
  const little = scale < 0;
  const v = new DataView(buf.buffer, buf.byteOffset + offset, bytes);
  const rowLen = width * channels;
  const data = new Float32Array(width * height * channels);
  for (let y = 0; y < height; y++) {
    const src = (height - 1 - y) * rowLen;
    for (let i = 0; i < rowLen; i++) data[y * rowLen + i] = v.getFloat32((src + i) * 4, little);
  }
  return { data, width, height, channels };
}

export async function readPfm(file: string): Promise<Pfm> {
  return decodePfm(await readInput(file), file);
}

export function pfmToDepthMap(pfm: Pfm, file: string): DepthMap {
  if (pfm.channels !== 1) throw new FormatError(file, 'colour PFM (PF, 3 channels) is not a depth map; expected greyscale Pf');
  return { data: pfm.data, width: pfm.width, height: pfm.height };
}

/** Encodes a greyscale `Pf`, little-endian (scale -1). */
export function encodePfm(map: DepthMap): Uint8Array {
  const { width, height, data } = map;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0 || data.length !== width * height) {
    throw new RangeError(`${width}x${height} does not fit ${data.length} values`);
  }
  const header = new TextEncoder().encode(`Pf\n${width} ${height}\n-1\n`);
  const out = new Uint8Array(header.length + data.length * 4);
  out.set(header);
  const v = new DataView(out.buffer, header.length);
  for (let y = 0; y < height; y++) {
    const dst = (height - 1 - y) * width;
    for (let x = 0; x < width; x++) v.setFloat32((dst + x) * 4, data[y * width + x], true);
  }
  return out;
}

export async function writePfm(file: string, map: DepthMap): Promise<void> {
  await writeFileAtomic(file, encodePfm(map));
}

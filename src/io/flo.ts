import { FormatError } from '../errors.js';
import { writeFileAtomic } from './atomic.js';
import { readInput } from './npy.js';

/**
 * Middlebury optical flow (`.flo`): float32 202021.25 ("PIEH"), int32 width, int32 height, then width*height
 * interleaved (u, v) float32 pairs, row-major, all little-endian. u is the horizontal displacement in pixels.
 */

export interface Flow {
  width: number;
  height: number;
  u: Float32Array;
  v: Float32Array;
}

const MAGIC = 202021.25;

export function decodeFlo(buf: Uint8Array, file: string): Flow {
  if (buf.length === 0) throw new FormatError(file, 'empty file, not a .flo');
  if (buf.length < 12) throw new FormatError(file, 'truncated .flo header');
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (view.getFloat32(0, true) !== MAGIC) throw new FormatError(file, 'not a .flo file (bad magic)');
  const width = view.getInt32(4, true);
  const height = view.getInt32(8, true);
  if (width <= 0 || height <= 0) throw new FormatError(file, `.flo size ${width}x${height} is not positive`);
  const bytes = width * height * 8;
  if (bytes !== buf.length - 12) {
    throw new FormatError(file, `.flo header claims ${width}x${height} = ${bytes} data bytes but the file holds ${buf.length - 12}`);
  }
  const u = new Float32Array(width * height);
  const v = new Float32Array(width * height);
  for (let i = 0; i < u.length; i++) {
    u[i] = view.getFloat32(12 + 8 * i, true);
    v[i] = view.getFloat32(16 + 8 * i, true);
  }
  return { width, height, u, v };
}

export async function readFlo(file: string): Promise<Flow> {
  return decodeFlo(await readInput(file), file);
}

export function encodeFlo(flow: Flow): Uint8Array {
  const { width, height, u, v } = flow;
  const n = width * height;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0 || u.length !== n || v.length !== n) {
    throw new RangeError(`${width}x${height} does not fit u (${u.length}) and v (${v.length})`);
  }
  const out = new Uint8Array(12 + 8 * n);
  const view = new DataView(out.buffer);
  view.setFloat32(0, MAGIC, true);
  view.setInt32(4, width, true);
  view.setInt32(8, height, true);
  for (let i = 0; i < n; i++) {
    view.setFloat32(12 + 8 * i, u[i], true);
    view.setFloat32(16 + 8 * i, v[i], true);
  }
  return out;
}

export async function writeFlo(file: string, flow: Flow): Promise<void> {
  await writeFileAtomic(file, encodeFlo(flow));
}

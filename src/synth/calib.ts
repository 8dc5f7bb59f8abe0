import { promises as fs } from 'node:fs';
import { FormatError } from '../errors.js';
import type { Intrinsics } from '../metrics/tae.js';

/*
 * Camera files of a synth sequence (and of any sequence in the same layout):
 * - intrinsics.txt: one line "fx fy cx cy" in pixels, pixel centres at integer coordinates. The reader also takes
 *   a 3x3 matrix K (9 numbers, row-major, on one or three lines), the other layout datasets ship.
 * - poses.txt: one line a frame, 12 numbers: the camera-to-world 3x4 matrix [R | t] row-major (KITTI odometry),
 *   camera x right, y down, z forward.
 */

function numbers(file: string, text: string): number[] {
  const tokens = text.trim().split(/\s+/).filter(Boolean);
  return tokens.map((tok) => {
    const n = Number(tok);
    if (!Number.isFinite(n)) throw new FormatError(file, `"${tok}" is not a number`);
    return n;
  });
}

async function readText(file: string): Promise<string> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (err) {
    throw new FormatError(file, `cannot read (${(err as NodeJS.ErrnoException).code ?? 'error'})`, err);
  }
}

export function formatIntrinsics(K: Intrinsics): string {
  return `${K.fx} ${K.fy} ${K.cx} ${K.cy}\n`;
}

export function parseIntrinsics(file: string, text: string): Intrinsics {
  const v = numbers(file, text);
  let K: Intrinsics;
  if (v.length === 4) K = { fx: v[0], fy: v[1], cx: v[2], cy: v[3] };
  else if (v.length === 9) {
    if (v[1] !== 0 || v[3] !== 0 || v[6] !== 0 || v[7] !== 0 || v[8] !== 1) {
      throw new FormatError(file, 'a 3x3 intrinsics matrix must be [fx 0 cx; 0 fy cy; 0 0 1]');
    }
    K = { fx: v[0], fy: v[4], cx: v[2], cy: v[5] };
  } else throw new FormatError(file, `expected 4 numbers (fx fy cx cy) or 9 (a 3x3 matrix), found ${v.length}`);
  if (!(K.fx > 0 && K.fy > 0)) throw new FormatError(file, 'focal lengths must be positive');
  return K;
}

export async function readIntrinsics(file: string): Promise<Intrinsics> {
  return parseIntrinsics(file, await readText(file));
}

/** One KITTI line per pose: the first 12 numbers of a row-major 4x4 (or 3x4) matrix. */
export function formatPoses(rows: ArrayLike<number>[]): string {
  return rows.map((m) => Array.from({ length: 12 }, (_, i) => m[i]).join(' ')).join('\n') + '\n';
}

/** Poses as 4x4 row-major camera-to-world matrices (the layout the TAE metric takes). */
export function parsePoses(file: string, text: string): Float64Array[] {
  const lines = text.split('\n').map((l) => l.trim()).filter(Boolean);
  if (lines.length === 0) throw new FormatError(file, 'no poses');
  return lines.map((line, i) => {
    const v = numbers(file, line);
    if (v.length !== 12) throw new FormatError(file, `line ${i + 1}: expected 12 numbers (3x4 [R|t]), found ${v.length}`);
    return Float64Array.from([...v, 0, 0, 0, 1]);
  });
}

export async function readPoses(file: string): Promise<Float64Array[]> {
  return parsePoses(file, await readText(file));
}

/** Intrinsics of the video scaled to the analysis size (pixel centres at +0.5, as resizeBilinear maps them). */
export function scaleIntrinsics(K: Intrinsics, from: { width: number; height: number }, to: { width: number; height: number }): Intrinsics {
  const sx = to.width / from.width;
  const sy = to.height / from.height;
  return { fx: K.fx * sx, fy: K.fy * sy, cx: (K.cx + 0.5) * sx - 0.5, cy: (K.cy + 0.5) * sy - 0.5 };
}

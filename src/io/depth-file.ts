import path from 'node:path';
import { DepthkitError } from '../errors.js';
import type { DepthMap } from '../metrics/types.js';
import { encodeNpy, npyToDepthMap, readNpy } from './npy.js';
import { encodePng16, readPngDepth } from './png16.js';
import { pfmToDepthMap, readPfm } from './pfm.js';
import { writeFileAtomic } from './atomic.js';

/** Extensions readDepthMap understands; src/data/pairs.ts pairs files by these. */
export const DEPTH_EXTENSIONS = ['.npy', '.png', '.pfm'] as const;

export interface DepthScale {
  /** Stored value = depth * scale; reading divides by it (KITTI PNG 256, NYU PNG 1000). Default 1. */
  scale?: number;
}

function checkScale(scale: number, file: string): number {
  if (!(scale > 0) || !Number.isFinite(scale)) throw new DepthkitError(`depth scale must be a positive number (got ${scale})`, { file });
  return scale;
}

/** Reads a depth map from .npy, .png (8/16-bit grey) or .pfm (Pf), dividing raw values by `scale`. */
export async function readDepthMap(file: string, opts: DepthScale = {}): Promise<DepthMap> {
  const scale = checkScale(opts.scale ?? 1, file);
  const ext = path.extname(file).toLowerCase();
  if (ext === '.png') return readPngDepth(file, scale);
  let map: DepthMap;
  if (ext === '.npy') map = npyToDepthMap(await readNpy(file), file);
  else if (ext === '.pfm') map = pfmToDepthMap(await readPfm(file), file);
  else throw new DepthkitError(`unsupported depth file type '${ext}' (use ${DEPTH_EXTENSIONS.join(', ')})`, { file });
  if (scale !== 1) for (let i = 0; i < map.data.length; i++) map.data[i] /= scale;
  return map;
}

/** Rounds depth * scale into 0..65535: NaN and negatives store 0 (= invalid in KITTI/NYU), larger values clamp. */
export function toUint16(data: Float32Array, scale: number): Uint16Array {
  const out = new Uint16Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const v = Math.round(data[i] * scale);
    out[i] = v > 0 ? Math.min(v, 65535) : 0;
  }
  return out;
}

/**
 * Writes depth * scale atomically, as float32 .npy or 16-bit PNG, and returns the map that readDepthMap gives back
 * from the file (png16: rounded to 1 / scale and clamped; npy: depth * scale in float32, divided back), so that a
 * caller can measure what it stored: a resumed run then scores exactly what the first run scored.
 */
export async function writeDepthMap(file: string, map: DepthMap, format: 'npy' | 'png16', opts: DepthScale = {}): Promise<DepthMap> {
  const scale = checkScale(opts.scale ?? 1, file);
  if (format === 'png16') {
    const samples = toUint16(map.data, scale);
    await writeFileAtomic(file, encodePng16(samples, map.width, map.height));
    return { data: Float32Array.from(samples, (v) => v / scale), width: map.width, height: map.height };
  }
  if (scale === 1) {
    await writeFileAtomic(file, encodeNpy(map.data, [map.height, map.width]));
    return map;
  }
  const data = map.data.map((v) => v * scale);
  await writeFileAtomic(file, encodeNpy(data, [map.height, map.width]));
  return { data: data.map((v) => v / scale), width: map.width, height: map.height };
}

import { promises as fs } from 'node:fs';
import { FormatError } from '../errors.js';
import type { DepthMap } from '../metrics/types.js';

/**
 * MPI Sintel's depth (.dpt) and camera (.cam) files, as its SDK's depth_read / cam_read define them: a float32 tag
 * 202021.25 ("PIEH"), then for .dpt int32 width, int32 height and width*height float32 depths in metres, row-major;
 * for .cam a 3x3 intrinsic matrix and a 3x4 world-to-camera extrinsic [R|t], both float64 row-major. Little-endian.
 */
const TAG = 202021.25;

function checkTag(buf: Buffer, file: string): void {
  if (buf.length < 4) throw new FormatError(file, `${buf.length} bytes, too short for a Sintel file`);
  const tag = buf.readFloatLE(0);
  if (tag !== TAG) throw new FormatError(file, `bad Sintel tag ${tag} (expected ${TAG}; not a .dpt/.cam file, or big-endian)`);
}

export function decodeDpt(buf: Buffer, file: string): DepthMap {
  checkTag(buf, file);
  if (buf.length < 12) throw new FormatError(file, 'truncated .dpt header');
  const width = buf.readInt32LE(4);
  const height = buf.readInt32LE(8);
  if (!(width > 0 && height > 0 && width * height < 1e8)) throw new FormatError(file, `bad .dpt size ${width}x${height}`);
  const need = 12 + 4 * width * height;
  if (buf.length !== need) throw new FormatError(file, `.dpt of ${width}x${height} needs ${need} bytes, has ${buf.length}`);
  const data = new Float32Array(width * height);
  for (let i = 0; i < data.length; i++) data[i] = buf.readFloatLE(12 + 4 * i);
  return { data, width, height };
}

export async function readDpt(file: string): Promise<DepthMap> {
  return decodeDpt(await fs.readFile(file), file);
}

export interface SintelCamera {
  /** 3x3 intrinsics, row-major. */
  K: Float64Array;
  /** 4x4 world-to-camera, row-major (the file's 3x4 [R|t] with 0 0 0 1 appended). */
  worldToCamera: Float64Array;
}

export function decodeCam(buf: Buffer, file: string): SintelCamera {
  checkTag(buf, file);
  if (buf.length !== 4 + 8 * 21) throw new FormatError(file, `.cam must hold 4 + 168 bytes, has ${buf.length}`);
  const K = new Float64Array(9);
  for (let i = 0; i < 9; i++) K[i] = buf.readDoubleLE(4 + 8 * i);
  const worldToCamera = new Float64Array(16);
  for (let i = 0; i < 12; i++) worldToCamera[i] = buf.readDoubleLE(4 + 72 + 8 * i);
  worldToCamera[15] = 1;
  return { K, worldToCamera };
}

export async function readCam(file: string): Promise<SintelCamera> {
  return decodeCam(await fs.readFile(file), file);
}

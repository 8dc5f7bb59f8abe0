import path from 'node:path';
import { DepthkitError } from '../errors.js';
import { readDepthMap } from '../io/depth-file.js';
import type { DepthMap } from '../metrics/types.js';
import { resizeNearest } from '../metrics/resize.js';
import { fileForFrame, listDepthFiles } from './depth-source.js';

/** Ground-truth depth per video frame: a folder of files paired with stream frames by the number in their names. */
export interface GtSource {
  readonly dir: string;
  readonly count: number;
  /** Depth in metres at width x height (nearest-neighbour when resized, so invalid zeros never blend in). */
  at(index: number, width: number, height: number): Promise<DepthMap>;
  /** Native size of the files when they are not the analysis size (first frame seen). */
  resizedFrom?: { width: number; height: number };
}

/** 16-bit PNGs are divided by `pngScale` (millimetres: 1000); .npy and .pfm are read as metres. */
export async function openGtSource(dir: string, pngScale: number): Promise<GtSource> {
  const files = await listDepthFiles(dir).catch((err: unknown) => {
    if (err instanceof DepthkitError) throw err;
    throw new DepthkitError('ground-truth folder not found', { file: dir });
  });
  const count = files[files.length - 1].index + 1;
  const fileOf = fileForFrame(files, dir);
  const gt: GtSource = {
    dir,
    count,
    async at(index, width, height) {
      if (index >= count) throw new DepthkitError(`has ${count} frames; frame ${index} was asked for`, { file: dir });
      const file = fileOf(index);
      const map = await readDepthMap(file, { scale: path.extname(file).toLowerCase() === '.png' ? pngScale : 1 });
      if (map.width !== width || map.height !== height) gt.resizedFrom ??= { width: map.width, height: map.height };
      return resizeNearest(map, width, height);
    },
  };
  return gt;
}

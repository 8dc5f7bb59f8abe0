import path from 'node:path';
import { FormatError } from '../../errors.js';
import { readCam } from '../../io/sintel.js';
import { invert4 } from '../../metrics/tae.js';
import { type BenchmarkSequence, exists, listDirs, listFrames, pySlice } from './sequence.js';
import type { BenchmarkPreset, FrameWindow } from './presets.js';

/**
 * MPI-Sintel-depth-training's own layout: depth/<scene>/frame_NNNN.dpt (float32 metres) and, when present,
 * camdata_left/<scene>/frame_NNNN.cam (intrinsics and world-to-camera pose). Predictions are named as in the
 * reference layout, clean/<scene>/frame_NNNN.npy. Depth is read as stored; note that the reference's extraction
 * (dataset_extract_sintel.py) saves depth.astype(uint16), i.e. whole metres, and its json divides by 65535/650.
 */
export async function isSintelNative(root: string): Promise<boolean> {
  return exists(path.join(root, 'depth'));
}

export async function readSintelNative(preset: BenchmarkPreset, root: string, window: FrameWindow): Promise<BenchmarkSequence[]> {
  const scenes = await listDirs(path.join(root, 'depth'));
  if (scenes.length === 0) throw new FormatError(path.join(root, 'depth'), `${preset.name}: no scene folders`);
  const out: BenchmarkSequence[] = [];
  for (const scene of scenes) {
    const names = pySlice((await listFrames(path.join(root, 'depth', scene), ['.dpt'])) ?? [], window.start, window.end, window.step);
    const camDir = path.join(root, 'camdata_left', scene);
    const hasCams = await exists(camDir);
    const frames = await Promise.all(names.map(async (name) => {
      const stem = name.slice(0, -4);
      const frame = { image: `clean/${scene}/${stem}.png`, gt: path.join(root, 'depth', scene, name), factor: 1 };
      if (!hasCams) return frame;
      const cam = await readCam(path.join(camDir, `${stem}.cam`));
      return { ...frame, K: { fx: cam.K[0], fy: cam.K[4], cx: cam.K[2], cy: cam.K[5] }, pose: invert4(cam.worldToCamera) };
    }));
    if (frames.length) out.push({ dataset: preset.name, name: scene, frames, source: 'sintel native layout (depth/, camdata_left/)' });
  }
  return out;
}

import { promises as fs } from 'node:fs';
import path from 'node:path';
import { FormatError } from '../../errors.js';
import { type BenchmarkFrame, type BenchmarkSequence, exists, intrinsicsOf, listDirs, listFrames, pySlice } from './sequence.js';
import type { BenchmarkPreset, FrameWindow } from './presets.js';

/**
 * ScanNet as its SensReader exports a scene: <scene>/color/N.jpg, depth/N.png (uint16 mm), pose/N.txt (4x4
 * camera-to-world) and intrinsic/intrinsic_depth.txt (4x4). As dataset_extract_scannet.py: the first 100 scenes in
 * sorted order, the first 510 frames of each, then the window's slice of the frames in natural order.
 */
async function readMatrix(file: string, dataset: string): Promise<number[][]> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch {
    throw new FormatError(file, `${dataset}: missing (a ScanNet scene needs pose/ and intrinsic/ text files)`);
  }
  const rows = text.trim().split(/\r?\n/).map((l) => l.trim().split(/\s+/).map(Number));
  if (rows.length !== 4 || rows.some((r) => r.length !== 4 || r.some((v) => Number.isNaN(v)))) {
    throw new FormatError(file, `${dataset}: expected a 4x4 matrix of numbers`);
  }
  if (rows.flat().some((v) => !Number.isFinite(v))) throw new FormatError(file, `${dataset}: non-finite pose (ScanNet marks lost tracking with -inf)`);
  return rows;
}

export async function isScannetNative(root: string): Promise<boolean> {
  const scenes = await listDirs(root).catch(() => []);
  return scenes.length > 0 && exists(path.join(root, scenes[0], 'intrinsic', 'intrinsic_depth.txt'));
}

export async function readScannetNative(preset: BenchmarkPreset, root: string, window: FrameWindow): Promise<BenchmarkSequence[]> {
  const scenes = (await listDirs(root)).slice(0, 100);
  const out: BenchmarkSequence[] = [];
  for (const scene of scenes) {
    const dir = path.join(root, scene);
    const colors = await listFrames(path.join(dir, 'color'), ['.jpg', '.png']);
    if (!colors) continue;
    const names = pySlice(colors.slice(0, 510), window.start, window.end, window.step);
    const K = intrinsicsOf(await readMatrix(path.join(dir, 'intrinsic', 'intrinsic_depth.txt'), preset.name));
    const frames: BenchmarkFrame[] = await Promise.all(names.map(async (name) => {
      const stem = name.slice(0, name.lastIndexOf('.'));
      const pose = Float64Array.from((await readMatrix(path.join(dir, 'pose', `${stem}.txt`), preset.name)).flat());
      return { image: `${scene}/color/${name}`, gt: path.join(dir, 'depth', `${stem}.png`), factor: 1000, K, pose };
    }));
    if (frames.length) out.push({ dataset: preset.name, name: scene, frames, source: 'scannet native layout (color/ depth/ pose/ intrinsic/)' });
  }
  return out;
}

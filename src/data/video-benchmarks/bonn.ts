import path from 'node:path';
import { FormatError } from '../../errors.js';
import { type BenchmarkSequence, exists, listDirs, listFrames, pySlice } from './sequence.js';
import type { BenchmarkPreset, FrameWindow } from './presets.js';

/**
 * Bonn RGB-D Dynamic (TUM RGB-D format): <sequence>/rgb/<timestamp>.png and depth/<timestamp>.png (uint16, 1/5000 m).
 * Colour and depth are stamped separately; each colour frame takes the depth frame nearest in time within 20 ms
 * (TUM's associate.py rule, one-to-one), so a dropped frame cannot shift every later pair. The reference pairs
 * the two sorted lists by position, which gives the same pairs when no frame is missing.
 */
const MAX_DIFFERENCE = 0.02;

const stamp = (name: string) => Number(name.slice(0, name.lastIndexOf('.')));

/** TUM associate.py: all candidate pairs within the limit, closest first, each stamp used once; in colour order. */
export function associateByTime(rgb: string[], depth: string[], dir: string, dataset: string): [string, string][] {
  const bad = [...rgb, ...depth].find((n) => !Number.isFinite(stamp(n)));
  if (bad) throw new FormatError(path.join(dir, bad), `${dataset}: file name is not a timestamp (TUM layout: <seconds>.png)`);
  const candidates: [number, number, number][] = [];
  const ds = depth.map(stamp);
  for (let i = 0; i < rgb.length; i++) {
    const t = stamp(rgb[i]);
    for (let j = 0; j < ds.length; j++) {
      const d = Math.abs(t - ds[j]);
      if (d < MAX_DIFFERENCE) candidates.push([d, i, j]);
    }
  }
  candidates.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const usedR = new Set<number>();
  const usedD = new Set<number>();
  const pairs: [number, number][] = [];
  for (const [, i, j] of candidates) {
    if (usedR.has(i) || usedD.has(j)) continue;
    usedR.add(i);
    usedD.add(j);
    pairs.push([i, j]);
  }
  return pairs.sort((a, b) => a[0] - b[0]).map(([i, j]) => [rgb[i], depth[j]]);
}

export async function isBonnNative(root: string): Promise<boolean> {
  const seqs = await listDirs(root).catch(() => []);
  return seqs.length > 0 && (await exists(path.join(root, seqs[0], 'depth')));
}

export async function readBonnNative(preset: BenchmarkPreset, root: string, window: FrameWindow): Promise<BenchmarkSequence[]> {
  const out: BenchmarkSequence[] = [];
  for (const seq of await listDirs(root)) {
    const dir = path.join(root, seq);
    const rgb = await listFrames(path.join(dir, 'rgb'), ['.png']);
    const depth = await listFrames(path.join(dir, 'depth'), ['.png']);
    if (!rgb || !depth) continue;
    const byTime = (a: string, b: string) => stamp(a) - stamp(b);
    const pairs = pySlice(associateByTime(rgb.sort(byTime), depth.sort(byTime), dir, preset.name), window.start, window.end, window.step);
    const frames = pairs.map(([r, d]) => ({ image: `${seq}/rgb/${r}`, gt: path.join(dir, 'depth', d), factor: 5000 }));
    if (frames.length) out.push({ dataset: preset.name, name: seq, frames, source: 'bonn native layout (rgb/ depth/ by timestamp)' });
  }
  return out;
}

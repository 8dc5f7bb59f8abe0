import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { writeNpy } from '../../src/io/npy.js';
import { writePng16 } from '../../src/io/png16.js';

/**
 * KITTI-sized (375x1242) prediction/ground-truth folders: float32 .npy predictions and sparse 16-bit PNG ground
 * truth (/256, ~25% valid like projected LiDAR after the Garg crop), seeded so that every run measures the same work.
 * `nonFinite` plants a NaN and an +Inf in every prediction, for the tests of the clamping convention.
 */
export async function writeKittiPairs(
  dir: string,
  n: number,
  width = 1242,
  height = 375,
  opts: { nonFinite?: boolean } = {},
): Promise<{ pred: string; gt: string }> {
  const pred = path.join(dir, 'pred');
  const gt = path.join(dir, 'gt');
  mkdirSync(pred, { recursive: true });
  mkdirSync(gt, { recursive: true });
  let s = 12345;
  const rand = () => ((s = (s * 16807) % 2147483647) / 2147483647);
  for (let k = 0; k < n; k++) {
    const g = new Uint16Array(width * height);
    const p = new Float32Array(width * height);
    for (let i = 0; i < g.length; i++) {
      const d = 2 + 70 * rand();
      g[i] = rand() < 0.25 ? Math.round(d * 256) : 0;
      p[i] = d * (0.85 + 0.3 * rand());
    }
    if (opts.nonFinite) {
      p[3] = NaN;
      p[5] = Infinity;
    }
    const name = String(k).padStart(6, '0');
    await writeNpy(path.join(pred, `${name}.npy`), p, [height, width]);
    await writePng16(path.join(gt, `${name}.png`), g, width, height);
  }
  return { pred, gt };
}

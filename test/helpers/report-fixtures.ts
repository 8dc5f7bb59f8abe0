import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { writeNpy } from '../../src/io/npy.js';
import { writePng16 } from '../../src/io/png16.js';
import { evaluateFolder } from '../../src/eval/folder.js';
import { writeEvalOutputs } from '../../src/eval/outputs.js';
import { resolveProtocol } from '../../src/eval/protocol.js';

/** Seeded uniform numbers in [0, 1) (Park-Miller), so that fixtures are the same on every machine. */
export function seeded(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 16807) % 2147483647) / 2147483647;
}

/**
 * A real eval run folder made by the library: `n` KITTI-like images (sparse 16-bit ground truth /256, float32
 * predictions off by `noise`), an RGB folder, and the CSVs, sidecars and run.json that eval writes.
 */
export async function evalRun(dir: string, opts: { n?: number; noise?: number; seed?: number; width?: number; height?: number } = {}): Promise<string> {
  const { n = 6, noise = 0.2, seed = 11, width = 48, height = 32 } = opts;
  const rand = seeded(seed);
  const input = path.join(dir, 'inputs');
  for (const sub of ['pred', 'gt', 'rgb']) mkdirSync(path.join(input, sub), { recursive: true });
  for (let k = 0; k < n; k++) {
    const gt = new Uint16Array(width * height);
    const pred = new Float32Array(width * height);
    const rgb = new Uint8Array(width * height * 3);
    // Images further down the list get worse, so the worst strips are known in advance.
    const err = noise * (1 + k / n);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const i = y * width + x;
        const d = 2 + 30 * (y / height) + 5 * rand();
        gt[i] = rand() < 0.5 ? Math.round(d * 256) : 0;
        pred[i] = d * (1 + err * (2 * rand() - 1));
        rgb.set([(x * 5) % 256, (y * 7) % 256, 128], 3 * i);
      }
    }
    const name = `img${String(k).padStart(3, '0')}`;
    await writeNpy(path.join(input, 'pred', `${name}.npy`), pred, [height, width]);
    await writePng16(path.join(input, 'gt', `${name}.png`), gt, width, height);
    await sharp(rgb, { raw: { width, height, channels: 3 } }).png().toFile(path.join(input, 'rgb', `${name}.png`));
  }
  const run = path.join(dir, 'run');
  mkdirSync(run, { recursive: true });
  const protocol = resolveProtocol({ dataset: 'kitti', crop: 'none' } as never);
  const result = await evaluateFolder({ predDir: path.join(input, 'pred'), gtDir: path.join(input, 'gt'), protocol });
  await writeEvalOutputs(run, result, protocol, {
    started: '2026-11-25T10:00:00Z',
    inputs: { pred: path.join(input, 'pred'), gt: path.join(input, 'gt'), rgb: path.join(input, 'rgb') },
  });
  return run;
}

/** A video run folder with CSV rows written here: two models over `frames` frames, known summary values. */
export function videoRun(dir: string, opts: { frames?: number; withGt?: boolean } = {}): string {
  const { frames = 12, withGt = true } = opts;
  mkdirSync(dir, { recursive: true });
  const models = ['builtin', 'other'];
  const cols = ['model', 'frame', 'time', 'smoothness', ...(withGt ? ['abs_rel', 'd1'] : []), 'opw', 'rtc_101', 'rtc_105', 'flicker'];
  const lines = [cols.join(',')];
  models.forEach((m, j) => {
    for (let f = 0; f < frames; f++) {
      const pair = (v: number) => (f === 0 ? '' : String(v));
      const row = [m, f, f / 30, 0.1 + 0.01 * j, ...(withGt ? [0.1 + 0.05 * j + 0.001 * f, 0.9 - 0.1 * j] : []), pair(0.02 * (j + 1)), pair(0.8), pair(0.95 - 0.05 * j), pair(0.01 * (j + 1))];
      lines.push(row.join(','));
    }
  });
  writeFileSync(path.join(dir, 'frames.csv'), `${lines.join('\n')}\n`);
  const sumCols = ['model', 'video', 'frames', 'depth_kind', 'smoothness', ...(withGt ? ['abs_rel', 'd1'] : []), 'opw', 'rtc_105', 'flicker'];
  const sum = models.map((m, j) => [m, 'clip.mp4', frames, 'depth', 0.1 + 0.01 * j, ...(withGt ? [0.1 + 0.05 * j, 0.9 - 0.1 * j] : []), 0.02 * (j + 1), 0.95 - 0.05 * j, 0.01 * (j + 1)].join(','));
  writeFileSync(path.join(dir, 'summary.csv'), `${[sumCols.join(','), ...sum].join('\n')}\n`);
  writeFileSync(path.join(dir, 'run.json'), JSON.stringify({
    kind: 'video', video: 'clip.mp4', info: { width: 64, height: 48, fps: 30, frames }, models,
    protocol: { align: 'scale-shift', align_scope: 'sequence' }, started: '2026-11-25T11:00:00Z', finished: '2026-11-25T11:00:09Z',
    depthkit_version: '0.1.0', options: { stride: 1 }, outputs: ['frames.csv', 'summary.csv'],
  }, null, 2));
  return dir;
}

/** Miniature benchmark trees for test/dataset*.test.ts: real split entries and folder layout, tiny seeded images. */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { writeNpy } from '../../src/io/npy.js';
import { writePng16 } from '../../src/io/png16.js';
import type { SplitEntry } from '../../src/data/split.js';
import { ROOT } from './cli.js';
import { runDatasetEval, type DatasetEvalOptions } from '../../src/eval/dataset.js';
import { resolveProtocol } from '../../src/eval/protocol.js';
import type { CropName } from '../../src/metrics/crop.js';

export const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'depthkit-dataset-'));

export function seeded(seed: number) {
  let s = seed;
  return () => (s = (s * 16807) % 2147483647) / 2147483647;
}

export interface TreeOptions {
  width: number;
  height: number;
  /** PNG ground truth = metres * scale (KITTI 256, NYU 1000). */
  scale: number;
  /** Share of ground-truth pixels with a value (KITTI is sparse). */
  density: number;
  maxDepth: number;
  /** Also write the RGB images (needed when a model predicts). */
  rgb?: boolean;
  seed?: number;
}

/** Ground truth below gtRoot, predictions (float32 .npy named by entry) in predDir, RGB below dataRoot. */
export async function writeTree(entries: SplitEntry[], dirs: { dataRoot: string; gtRoot: string; predDir: string }, o: TreeOptions) {
  const rand = seeded(o.seed ?? 11);
  for (const dir of Object.values(dirs)) mkdirSync(dir, { recursive: true });
  for (const e of entries) {
    const gt = new Uint16Array(o.width * o.height);
    const pred = new Float32Array(gt.length);
    for (let i = 0; i < gt.length; i++) {
      // Some ground truth beyond the cap, so that the cap is exercised.
      const d = 0.5 + (o.maxDepth * 1.2) * rand();
      gt[i] = rand() < o.density ? Math.min(Math.round(d * o.scale), 65535) : 0;
      pred[i] = d * (0.75 + 0.5 * rand());
    }
    const gtFile = path.join(dirs.gtRoot, e.gt);
    mkdirSync(path.dirname(gtFile), { recursive: true });
    await writePng16(gtFile, gt, o.width, o.height);
    await writeNpy(path.join(dirs.predDir, `${e.name}.npy`), pred, [o.height, o.width]);
    if (o.rgb) await writeRgb(path.join(dirs.dataRoot, e.rgb), o.width, o.height, (x, y) => [x % 256, y % 256, 128]);
  }
}

export async function writeRgb(file: string, width: number, height: number, px: (x: number, y: number) => [number, number, number]) {
  const data = Buffer.alloc(3 * width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data.set(px(x, y), 3 * (y * width + x));
  mkdirSync(path.dirname(file), { recursive: true });
  const img = sharp(data, { raw: { width, height, channels: 3 } });
  await (file.endsWith('.png') ? img.png() : img.jpeg({ quality: 100 })).toFile(file);
}

export const PYTHON = '/usr/bin/python3';

export function python(args: string[]): string {
  const r = spawnSync(PYTHON, [path.join(ROOT, 'test/reference/dataset_ref.py'), ...args], { encoding: 'utf8', maxBuffer: 16 << 20 });
  if (r.status !== 0) throw new Error(`dataset_ref.py ${args[0]} failed (needs Debian's python3 with numpy, PIL, h5py): ${r.stderr}`);
  return r.stdout;
}

export interface RefItem {
  pred: string;
  gt?: string;
  scale?: number;
  mat?: string;
  index?: number;
  key?: string;
  dataset: 'kitti' | 'nyu';
  crop: string;
  min: number;
  max: number;
}

export interface RefRow extends Record<string, number | number[]> {
  crop: number[];
  valid_pixels: number;
}

/** Per-image metrics, crop and valid pixel count from the numpy reference. */
export function reference(dir: string, items: RefItem[]): RefRow[] {
  const job = path.join(dir, 'job.json');
  writeFileSync(job, JSON.stringify(items));
  return JSON.parse(python(['eval', job])) as RefRow[];
}

export const readText = (file: string) => readFileSync(file, 'utf8');

/** runDatasetEval with the CLI's defaults: what `depthkit eval --dataset <d> --data-path ...` does, in-process. */
export function evalDataset(opts: Partial<DatasetEvalOptions> & { dataset: 'kitti' | 'nyu'; dataPath: string; outDir: string }, crop?: CropName) {
  return runDatasetEval({
    split: 'eigen',
    protocol: resolveProtocol({ dataset: opts.dataset, crop }),
    started: 'test',
    concurrency: 2,
    ...opts,
  });
}

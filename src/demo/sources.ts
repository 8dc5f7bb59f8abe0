import { promises as fs } from 'node:fs';
import path from 'node:path';
import { makeDirs } from '../io/atomic.js';
import { readPng16, writePng16 } from '../io/png16.js';
import { mulberry32 } from '../util/random.js';
import { naturalCompare } from '../io/numbered-files.js';

/**
 * Writes a copy of a folder of 16-bit depth PNGs with every frame scaled by its own random factor 1 + a*u, u uniform
 * in [-1, 1] (seeded): the textbook temporal flicker, for showing what the temporal metrics catch that per-frame
 * accuracy hides. Returns the amplitude's factors, frame by frame.
 */
export async function writeFlickeredDepth(srcDir: string, outDir: string, amplitude: number, seed: number): Promise<number[]> {
  const names = (await fs.readdir(srcDir)).filter((n) => n.endsWith('.png')).sort(naturalCompare);
  await makeDirs(outDir);
  const u = mulberry32(seed);
  const factors: number[] = [];
  for (const name of names) {
    const png = await readPng16(path.join(srcDir, name));
    const f = 1 + amplitude * (2 * u() - 1);
    const out = new Uint16Array(png.data.length);
    for (let i = 0; i < out.length; i++) out[i] = Math.min(65535, Math.round(png.data[i] * f));
    await writePng16(path.join(outDir, name), out, png.width, png.height);
    factors.push(f);
  }
  return factors;
}

/**
 * Writes one constant map a frame (the median valid depth of the first ground-truth frame): the degenerate "model"
 * that scores perfectly on OPW and rTC and badly on accuracy, shown beside the others so nobody reads a temporal
 * metric alone.
 */
export async function writeConstantDepth(srcDir: string, outDir: string): Promise<number> {
  const names = (await fs.readdir(srcDir)).filter((n) => n.endsWith('.png')).sort(naturalCompare);
  await makeDirs(outDir);
  const first = await readPng16(path.join(srcDir, names[0]));
  const valid = Array.from(first.data).filter((v) => v > 0).sort((a, b) => a - b);
  const value = valid[Math.floor(valid.length / 2)] ?? 1000;
  for (const name of names) {
    await writePng16(path.join(outDir, name), new Uint16Array(first.data.length).fill(value), first.width, first.height);
  }
  return value;
}

import path from 'node:path';
import { FormatError } from '../../errors.js';
import { readDepthMap } from '../../io/depth-file.js';
import { readInput } from '../../io/npy.js';
import { npyStack, openNpzStack, listNpzKeys, type NpyStack } from '../../io/npz.js';
import type { DepthMap } from '../../metrics/types.js';
import { readImage, resizeRgb } from '../../io/image.js';
import { resizeBilinear } from '../../metrics/resize.js';
import type { DepthModel } from '../../model/depth-model.js';
import { exists, type BenchmarkSequence } from './sequence.js';
import { PRESETS } from './presets.js';

/**
 * Predictions in the reference layout: <pred>/<dataset folder>/<frame's image path>.npy (or a 16-bit .png of raw
 * values), or one stack per sequence, <pred>/<dataset folder>/<sequence>.npy / .npz (T,H,W), holding the frames of
 * the sequence's list in order.
 */
export interface SequencePredictions {
  /** The prediction of the sequence's frame `i` (its position in the evaluated window), or undefined when absent. */
  frame(i: number): Promise<DepthMap | undefined>;
  /** Where frame i's prediction is (or would be), for error lines. */
  where(i: number): string;
  /** With a file a frame: frame i's file (undefined when absent), for a reader in another thread. */
  file?(i: number): Promise<string | undefined>;
}

const STACK_KEYS = ['disparity', 'depth', 'arr_0'];

async function openStack(base: string): Promise<{ stack: NpyStack; file: string } | undefined> {
  if (await exists(`${base}.npy`)) return { stack: npyStack(await readInput(`${base}.npy`), `${base}.npy`), file: `${base}.npy` };
  if (!(await exists(`${base}.npz`))) return undefined;
  const file = `${base}.npz`;
  const keys = await listNpzKeys(file);
  const key = STACK_KEYS.find((k) => keys.includes(k)) ?? (keys.length === 1 ? keys[0] : undefined);
  if (!key) throw new FormatError(file, `several arrays (${keys.join(', ')}) and none named ${STACK_KEYS.join('/')}`);
  return { stack: await openNpzStack(file, key), file };
}

/** A stack holds the sequence's whole list, so it must have `listed` frames and the window starts at `offset`. */
export async function openSequencePredictions(predDir: string, seq: BenchmarkSequence): Promise<SequencePredictions> {
  const offset = seq.offset ?? 0;
  const listed = seq.listed ?? seq.frames.length;
  const dir = path.join(predDir, PRESETS[seq.dataset].folder);
  const opened = await openStack(path.join(dir, seq.name));
  if (opened) {
    const { stack, file } = opened;
    if (stack.frames !== listed) throw new FormatError(file, `${seq.dataset}/${seq.name}: stack of ${stack.frames} frames, the sequence's list has ${listed}`);
    return { frame: async (i) => stack.frame(offset + i), where: (i) => `${file}[${offset + i}]` };
  }
  const base = (i: number) => path.join(dir, seq.frames[i].image.replace(/\.[^./\\]+$/, ''));
  const file = async (i: number) => {
    for (const ext of ['.npy', '.png']) if (await exists(`${base(i)}${ext}`)) return `${base(i)}${ext}`;
    return undefined;
  };
  return {
    where: (i) => `${base(i)}.npy`,
    file,
    async frame(i) {
      const f = await file(i);
      return f === undefined ? undefined : readDepthMap(f);
    },
  };
}

/**
 * The built-in model over a sequence's RGB frames (<root>/<image>), `batchSize` frames a call, each resized to the
 * model's input and its depth resized back (bilinear) to the frame's size. Depth, so the run inverts it.
 */
export async function modelSequencePredictions(model: DepthModel, seq: BenchmarkSequence, batchSize = 4, onFrame?: () => void): Promise<SequencePredictions> {
  const root = seq.root ?? '.';
  const where = (i: number) => path.join(root, seq.frames[i].image);
  const maps: DepthMap[] = [];
  for (let b = 0; b < seq.frames.length; b += batchSize) {
    const files = seq.frames.slice(b, b + batchSize).map((_, k) => where(b + k));
    const images = await Promise.all(files.map((f) => readImage(f)));
    const inputs = await Promise.all(images.map((img) => resizeRgb(img, model.inputSize.width, model.inputSize.height)));
    const depth = await model.predict(inputs);
    depth.forEach((d, k) => maps.push(resizeBilinear(d, images[k].width, images[k].height)));
    files.forEach(() => onFrame?.());
  }
  return { frame: async (i) => maps[i], where };
}

import { promises as fs } from 'node:fs';
import path from 'node:path';
import { DepthkitError } from '../errors.js';
import { DEPTH_EXTENSIONS, readDepthMap, writeDepthMap } from '../io/depth-file.js';
import { resizeRgb } from '../io/image.js';
import { listNumberedFiles, type NumberedFile } from '../io/numbered-files.js';
import { readInput } from '../io/npy.js';
import { listNpzKeys, npyStack, openNpzStack, type NpyStack } from '../io/npz.js';
import { resizeBilinear } from '../metrics/resize.js';
import type { DepthMap, RgbImage } from '../metrics/types.js';
import type { DepthModel } from '../model/depth-model.js';
import { batcher } from '../util/batcher.js';

/** Relative models output disparity (larger = nearer); metric models depth in metres. */
export type DepthKind = 'depth' | 'disparity';
export type SaveFormat = 'png16' | 'npy' | 'none';

/** Stored value = depth * scale: PNG in millimetres, npy in metres. */
export const SAVE_SCALE: Record<Exclude<SaveFormat, 'none'>, number> = { png16: 1000, npy: 1 };

/** One frame as the metrics see it: its index in the original stream and its RGB at the analysis size. */
export interface AnalysisFrame {
  index: number;
  rgb: RgbImage;
}

/**
 * Where the depth of each video frame comes from: the built-in model, or files another model wrote. Maps come
 * back at the analysis size (the frame's size), in the source's own values (depth or disparity, see `kind`).
 */
export interface DepthSource {
  readonly name: string;
  readonly kind: DepthKind;
  readonly description: string;
  /** Raw values of a file source are divided by this (--depth-scale). */
  readonly scale?: number;
  /** The folder or stack file of a file source (for messages naming it). */
  readonly location?: string;
  /** Frames the files hold (stream indices 0..count-1); undefined for a model, which has every frame. */
  readonly count?: number;
  /** Native size of the stored maps when they are not the analysis size (first frame seen); for the notes. */
  resizedFrom?: { width: number; height: number };
  /** Largest value read from a 16-bit PNG so far, after the scale; for the millimetre note. */
  pngMax?: number;
  /** Frames the source answers best together (a model's engine batch): that many depthAt calls may be in flight. */
  readonly batch?: number;
  depthAt(frame: AnalysisFrame): Promise<DepthMap>;
  close(): Promise<void>;
}

export const frameFile = (dir: string, index: number, ext: string): string => path.join(dir, `${String(index).padStart(6, '0')}${ext}`);

/** Resizes to the frame's size when needed, remembering the first native size for the run's notes. */
function toAnalysis(source: DepthSource, map: DepthMap, frame: AnalysisFrame): DepthMap {
  const { width, height } = frame.rgb;
  if (map.width === width && map.height === height) return map;
  source.resizedFrom ??= { width: map.width, height: map.height };
  return resizeBilinear(map, width, height);
}

export interface ModelSourceOptions {
  name?: string;
  /** Folder for the per-frame depth files (`--save`); none = nothing written, nothing resumed. */
  saveDir?: string;
  save: SaveFormat;
  /** Frames whose depth file exists are read back instead of predicted. */
  resume: boolean;
  /** Frames a predict() call takes (default: the model's batch, else 4); 1 sends frames one at a time. */
  batch?: number;
}

/**
 * The built-in model as a source. Frames are resized to the model's input with sharp, predictions resized back
 * to the analysis size. With --save the map measured is the one the file holds (writeDepthMap's answer: png16 rounds
 * to millimetres), so that a resumed run, which reads the files back, scores exactly what the first run scored.
 */
export function modelSource(model: DepthModel, opts: ModelSourceOptions): DepthSource {
  const ext = opts.save === 'npy' ? '.npy' : '.png';
  const save = opts.save === 'none' || !opts.saveDir ? undefined : { dir: opts.saveDir, format: opts.save, scale: SAVE_SCALE[opts.save] };
  // Frames in flight together reach the engine as one batch of its size (4 on ORT's CPU: 2.2x single frames); a
  // second full batch waits at the engine while one runs, so that it never idles while this thread computes metrics.
  const batch = Math.max(1, opts.batch ?? model.batch ?? 4);
  const predict = batcher((inputs: RgbImage[]) => model.predict(inputs), batch, 1);
  const source: DepthSource = {
    name: opts.name ?? 'model',
    kind: 'depth',
    description: model.description,
    batch,
    async depthAt(frame) {
      const file = save && frameFile(save.dir, frame.index, ext);
      if (file && opts.resume) {
        const stored = await readDepthMap(file, { scale: save.scale }).catch(() => undefined);
        if (stored) return toAnalysis(source, stored, frame);
      }
      const pred = await predict(await resizeRgb(frame.rgb, model.inputSize.width, model.inputSize.height));
      const map = resizeBilinear(pred, frame.rgb.width, frame.rgb.height);
      return save && file ? writeDepthMap(file, map, save.format, { scale: save.scale }) : map;
    },
    close: () => model.dispose(),
  };
  return source;
}

export interface FileSourceOptions {
  /** Raw values are divided by this (default 1). */
  scale: number;
  kind: DepthKind;
  /** Array name inside an .npz (default: its only array). */
  key?: string;
}

/** `name=source` or `source` (the name is then the file or folder name without extension). */
export function parseSourceSpec(spec: string): { name: string; location: string } {
  const eq = spec.indexOf('=');
  if (eq > 0 && !/[/\\]/.test(spec.slice(0, eq))) return { name: spec.slice(0, eq), location: spec.slice(eq + 1) };
  return { name: path.parse(spec.replace(/[/\\]+$/, '')).name, location: spec };
}

async function openStack(file: string, key: string | undefined): Promise<NpyStack> {
  if (path.extname(file).toLowerCase() === '.npy') return npyStack(await readInput(file), file);
  const keys = await listNpzKeys(file);
  const chosen = key ?? (keys.length === 1 ? keys[0] : undefined);
  if (!chosen) throw new DepthkitError(`holds ${keys.length} arrays (${keys.join(', ')}): choose one with --depth-key`, { file });
  if (!keys.includes(chosen)) throw new DepthkitError(`has no array '${chosen}' (has ${keys.join(', ')})`, { file });
  return openNpzStack(file, chosen);
}

/**
 * Per-frame depth files of a folder, each with the frame index its name carries (natural order: `frame_2` before
 * `frame_10`; the lowest number is frame 0); two files for one frame, or a hole in the numbering, is an error.
 */
export async function listDepthFiles(dir: string): Promise<NumberedFile[]> {
  return listNumberedFiles(dir, { extensions: DEPTH_EXTENSIONS, what: 'depth files' });
}

/** Looks a frame's file up by index; the error names the folder and the frame. */
export function fileForFrame(files: readonly NumberedFile[], dir: string): (index: number) => string {
  const byIndex = new Map(files.map((f) => [f.index, f.file]));
  return (index) => {
    const file = byIndex.get(index);
    if (file === undefined) throw new DepthkitError(`has no file for frame ${index} (${files.length} numbered files)`, { file: dir });
    return file;
  };
}

function maxFinite(data: Float32Array): number {
  let max = 0;
  for (let i = 0; i < data.length; i++) if (data[i] > max && data[i] !== Infinity) max = data[i];
  return max;
}

/**
 * Depth another model wrote: a folder of per-frame .npy/.png/.pfm files (paired with stream frames by the number
 * in their names, see listDepthFiles), or one stacked (T,H,W) .npy or .npz. A stacked .npy is read into memory
 * once; an .npz member is inflated once.
 */
export async function openFileSource(spec: string, opts: FileSourceOptions): Promise<DepthSource> {
  const { name, location } = parseSourceSpec(spec);
  const st = await fs.stat(location).catch(() => undefined);
  if (!st) throw new DepthkitError('depth source not found', { file: location });
  let count: number;
  let read: (index: number) => Promise<DepthMap>;
  if (st.isDirectory()) {
    const files = await listDepthFiles(location);
    const fileOf = fileForFrame(files, location);
    count = files[files.length - 1].index + 1;
    read = async (i) => {
      const file = fileOf(i);
      const map = await readDepthMap(file, { scale: opts.scale });
      if (path.extname(file).toLowerCase() === '.png') source.pngMax = Math.max(source.pngMax ?? 0, maxFinite(map.data));
      return map;
    };
  } else {
    const stack = await openStack(location, opts.key);
    count = stack.frames;
    read = async (i) => {
      const map = stack.frame(i);
      if (opts.scale !== 1) for (let k = 0; k < map.data.length; k++) map.data[k] /= opts.scale;
      return map;
    };
  }
  const source: DepthSource = {
    name,
    kind: opts.kind,
    description: `${opts.kind} from ${location}`,
    scale: opts.scale,
    location,
    count,
    async depthAt(frame) {
      if (frame.index >= count) throw new DepthkitError(`has ${count} frames; frame ${frame.index} was asked for`, { file: location });
      return toAnalysis(source, await read(frame.index), frame);
    },
    close: async () => {},
  };
  return source;
}

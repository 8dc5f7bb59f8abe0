import { promises as fs } from 'node:fs';
import path from 'node:path';
import { loadSharp } from '../io/sharp.js';
import { DepthkitError, FormatError } from '../errors.js';
import { decodeBmp } from '../io/bmp.js';
import type { RgbImage } from '../metrics/types.js';
import { naturalCompare } from '../io/numbered-files.js';
import type { DecodedFrame, DecodeReport, FramePlan } from './decode.js';
import { selectFrames, type Selection, type Timeline } from './frame-identity.js';
import type { VideoInfo } from './probe.js';

/**
 * A folder of frames, or a pattern (`frames/*.png`, `frames/%06d.png`), read as a video: frames in natural order
 * (2.png before 10.png; a printf pattern by its number), index = position in that order, time = index / fps.
 * png, jpg/jpeg, bmp and tif/tiff, 8- or 16-bit (16-bit is reduced to 8 bits for the model and the preview).
 */
export const SEQUENCE_EXTENSIONS = ['.png', '.jpg', '.jpeg', '.bmp', '.tif', '.tiff'] as const;
/** The rate a sequence plays at when --fps is not given: only the preview's speed depends on it. */
export const DEFAULT_SEQUENCE_FPS = 30;

const isFrameName = (n: string) => (SEQUENCE_EXTENSIONS as readonly string[]).includes(path.extname(n).toLowerCase());
const hasPattern = (p: string) => /[*?]|%0?\d*d/.test(path.basename(p));

/** True when `input` names an image sequence: a folder, or a glob / printf pattern in its last component. */
export async function isImageSequence(input: string): Promise<boolean> {
  if (hasPattern(input)) return true;
  return (await fs.stat(input).catch(() => undefined))?.isDirectory() ?? false;
}

/** `*`, `?` and one `%d` / `%06d` in the file name as a regular expression; the number is its first group. */
function patternRegExp(base: string): RegExp {
  const body = base
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/%0?(\d*)d/, (_, w: string) => (w ? `(\\d{${Number(w)}})` : '(\\d+)'))
    .replace(/\*/g, '[^/]*')
    .replace(/\?/g, '[^/]');
  return new RegExp(`^${body}$`);
}

/** The frame files of a sequence, in order. Non-image files in a folder and an empty result are errors naming the file. */
export async function listSequence(input: string): Promise<string[]> {
  if (hasPattern(input)) {
    const dir = path.dirname(input);
    const re = patternRegExp(path.basename(input));
    const names = await fs.readdir(dir).catch(() => {
      throw new DepthkitError('folder not found', { file: dir });
    });
    const hits = names.map((n) => ({ n, m: re.exec(n) })).filter((h) => h.m);
    const byNumber = /%0?\d*d/.test(path.basename(input));
    hits.sort((a, b) => (byNumber ? Number(a.m![1]) - Number(b.m![1]) : 0) || naturalCompare(a.n, b.n));
    const bad = hits.find((h) => !isFrameName(h.n));
    if (bad) throw new FormatError(path.join(dir, bad.n), `not an image frame (${SEQUENCE_EXTENSIONS.join(', ')})`);
    if (!hits.length) throw new DepthkitError('no frame matches the pattern', { file: input });
    return hits.map((h) => path.join(dir, h.n));
  }
  const names = (await fs.readdir(input)).filter((n) => !n.startsWith('.')).sort(naturalCompare);
  const bad = names.find((n) => !isFrameName(n));
  if (bad) throw new FormatError(path.join(input, bad), `not an image frame (${SEQUENCE_EXTENSIONS.join(', ')}); a frame folder holds frames only`);
  if (!names.length) throw new DepthkitError('no frames (an empty folder)', { file: input });
  return names.map((n) => path.join(input, n));
}

async function frameSize(file: string): Promise<{ width: number; height: number }> {
  if (path.extname(file).toLowerCase() === '.bmp') {
    const { width, height } = decodeBmp(await fs.readFile(file), file);
    return { width, height };
  }
  try {
    const sharp = await loadSharp();
    const m = await sharp(file).metadata();
    return { width: m.width, height: m.height };
  } catch (err) {
    throw new FormatError(file, `not a readable image (${(err as Error).message.split('\n')[0]})`, err);
  }
}

/** Decodes one frame to 8-bit RGB at `size` (bilinear, like the video decoder's scaling). */
export async function readFrame(file: string, size?: { width: number; height: number }): Promise<RgbImage> {
  try {
    const input = path.extname(file).toLowerCase() === '.bmp' ? decodeBmp(await fs.readFile(file), file) : undefined;
    const sharp = await loadSharp();
    let img = input ? sharp(input.data, { raw: { width: input.width, height: input.height, channels: 3 } }) : sharp(file, { failOn: 'error' });
    if (size) img = img.resize(size.width, size.height, { fit: 'fill', kernel: 'linear' });
    const { data, info } = await img.removeAlpha().toColourspace('srgb').raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
    return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height };
  } catch (err) {
    if (err instanceof FormatError) throw err;
    throw new FormatError(file, `not a readable image (${(err as Error).message.split('\n')[0]})`, err);
  }
}

/** A sequence's VideoInfo: the first frame's size, one frame a file, `fps` (default DEFAULT_SEQUENCE_FPS). */
export async function probeSequence(input: string, fps?: number): Promise<VideoInfo & { files: string[] }> {
  const files = await listSequence(input);
  const { width, height } = await frameSize(files[0]);
  const rate = fps ?? DEFAULT_SEQUENCE_FPS;
  return {
    file: input, width, height, codedWidth: width, codedHeight: height, rotation: 0, pixelAspect: 1, videoStreams: 1, fps: rate,
    duration: files.length / rate, frameCount: files.length, frameCountExact: true, codec: 'image-sequence', streamIndex: 0, files,
  };
}

/**
 * A sequence's plan, as planFrames makes one for a video: frame k is the k-th file in natural order, at k / fps;
 * `start`/`duration` select by time (so they need --fps), then every stride-th frame, at most maxFrames.
 */
export async function planSequence(input: string, opts: Selection & { fps?: number }): Promise<FramePlan & { info: { files: string[] } }> {
  const info = await probeSequence(input, opts.fps);
  if ((opts.start !== undefined || opts.duration !== undefined) && opts.fps === undefined) {
    throw new DepthkitError('--start / --duration on an image sequence need --fps (the rate its frames were taken at)', { file: input });
  }
  const times = Float64Array.from(info.files, (_, k) => k / info.fps);
  const timeline: Timeline = { mode: 'pts', times, frames: times.length, untimed: 0, repeated: 0 };
  const selection: Selection = { start: opts.start, duration: opts.duration, stride: opts.stride, maxFrames: opts.maxFrames };
  return { info, backend: 'images', selection, timeline, wanted: selectFrames(timeline, selection) };
}

/** The selected frames of a planned sequence, as decodeFrames yields a video's. A frame of another size than the first is an error naming it. */
export async function* sequenceFrames(
  plan: FramePlan & { info: { files: string[] } },
  opts: { width?: number; height?: number; onReport?: (report: DecodeReport) => void },
): AsyncGenerator<DecodedFrame> {
  const { files } = plan.info;
  const w = plan.wanted!;
  const first = { width: plan.info.width, height: plan.info.height };
  const size = opts.width || opts.height ? { width: opts.width ?? first.width, height: opts.height ?? first.height } : undefined;
  const report: DecodeReport = { identity: 'pts', streamFrames: files.length, selected: w.count, decoded: 0, missing: [], complete: false };
  try {
    for (let k = w.first; k <= w.last; k += w.stride) {
      const own = await frameSize(files[k]);
      if (own.width !== first.width || own.height !== first.height) {
        throw new FormatError(files[k], `frame of ${own.width}x${own.height} in a sequence of ${first.width}x${first.height} (${files[0]}): a sequence's frames must share one size`);
      }
      const t = plan.timeline.times[k];
      report.decoded++;
      yield { index: k, time: t, pts: t, rgb: await readFrame(files[k], size) };
    }
    report.complete = true;
  } finally {
    opts.onReport?.(report);
  }
}

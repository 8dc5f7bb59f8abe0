import { promises as fs } from 'node:fs';
import path from 'node:path';
import { loadSharp } from './sharp.js';
import { DepthkitError, FormatError } from '../errors.js';
import type { RgbImage } from '../metrics/types.js';
import { naturalCompare } from './numbered-files.js';

/** Still images `depthkit predict` reads. */
export const IMAGE_EXTENSIONS = ['.jpg', '.jpeg', '.png', '.webp'] as const;
const FORMATS = new Set(['jpeg', 'png', 'webp']);

const isImageName = (name: string) => (IMAGE_EXTENSIONS as readonly string[]).includes(path.extname(name).toLowerCase());

/** `*` and `?` in the last path component, as a shell would match them (no `**`, no brackets). */
function globRegExp(pattern: string): RegExp {
  const body = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]');
  return new RegExp(`^${body}$`);
}

/**
 * The images an argument names: a file, every jpg/png/webp directly in a folder, or a glob in the file name
 * (`frames/*.png`). In natural order (`2` before `10`); an argument that names no image is an error naming it.
 */
export async function listImages(input: string): Promise<string[]> {
  let names: string[];
  let dir: string;
  if (/[*?]/.test(path.basename(input))) {
    dir = path.dirname(input);
    const re = globRegExp(path.basename(input));
    names = (await fs.readdir(dir).catch(() => [])).filter((n) => re.test(n) && isImageName(n));
  } else {
    const st = await fs.stat(input).catch(() => undefined);
    if (!st) throw new DepthkitError('not found', { file: input });
    if (st.isFile()) return [input];
    dir = input;
    names = (await fs.readdir(dir)).filter(isImageName);
  }
  if (!names.length) throw new DepthkitError(`no ${IMAGE_EXTENSIONS.join(', ')} images`, { file: input });
  return names.sort(naturalCompare).map((n) => path.join(dir, n));
}

function notAnImage(file: string, err: unknown): FormatError {
  return new FormatError(file, `not a readable jpg, png or webp image (${(err as Error).message.split('\n')[0]})`, err);
}

/** Size from the header only, so that a folder can be checked before any work starts. */
export async function imageSize(file: string): Promise<{ width: number; height: number }> {
  try {
    const sharp = await loadSharp();
    const { format, width, height } = await sharp(file).metadata();
    if (!format || !FORMATS.has(format)) throw new Error(`${format ?? 'unknown'} format`);
    return { width, height };
  } catch (err) {
    throw notAnImage(file, err);
  }
}

/** Decodes a jpg/png/webp to 8-bit RGB (grey is expanded, alpha dropped); anything else is a FormatError. */
export async function readImage(file: string): Promise<RgbImage> {
  await imageSize(file);
  try {
    const sharp = await loadSharp();
    const { data, info } = await sharp(file, { failOn: 'error' })
      .removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`${info.channels} channels after conversion`);
    return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height };
  } catch (err) {
    throw notAnImage(file, err);
  }
}

/** Resizes RGB to exactly width x height (aspect not kept: the model takes a fixed size), bilinear filter. */
export async function resizeRgb(image: RgbImage, width: number, height: number): Promise<RgbImage> {
  if (image.width === width && image.height === height) return image;
  const sharp = await loadSharp();
  const { data } = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
    .resize(width, height, { fit: 'fill', kernel: 'linear' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width, height };
}

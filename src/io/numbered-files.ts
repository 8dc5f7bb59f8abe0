import { promises as fs } from 'node:fs';
import path from 'node:path';
import { DepthkitError } from '../errors.js';
import { rootGuard } from './safe-path.js';

// Made on first use: building the collator (ICU data) costs ~0.1 s, which every command importing this module paid at start.
let collator: Intl.Collator | undefined;
/** Natural order ("2" before "10"), ties broken by code point so the order never depends on the locale's mood. */
export const naturalCompare = (a: string, b: string): number =>
  (collator ??= new Intl.Collator('en', { numeric: true })).compare(a, b) || (a < b ? -1 : a > b ? 1 : 0);

/** The frame number a file name carries: the last run of digits in its stem (`frame_000012.npy` -> 12). */
export function fileNumber(name: string): number | undefined {
  const stem = name.slice(0, name.length - path.extname(name).length);
  const digits = /(\d+)(?!.*\d)/.exec(stem);
  return digits ? Number(digits[1]) : undefined;
}

export interface NumberedFile {
  /** Frame index: the file's number minus the first file's number (0 for the first), or its position when no name carries a number. */
  index: number;
  /** Path of the file (the folder joined with its name). */
  file: string;
}

export interface ListNumberedOptions {
  /** Lower-case extensions with the dot (`.npy`); other files (and hidden ones) are ignored. */
  extensions: readonly string[];
  /** What the files are, for the messages ("depth files", "images"). */
  what?: string;
  /** Let the numbering skip frames (the reader then says which frame has no file); default: a hole is an error. */
  allowHoles?: boolean;
}

/**
 * The numbered files of one folder in natural order, each with its frame index, so that files pair with frames by
 * the number in their name, never by their position in a listing sorted as text (where `frame_10` precedes
 * `frame_2`). One-line errors: no such file, two files with one number (`0007.npy` and `7.npy`, or `7.npy` and
 * `7.png`), numbered names mixed with unnumbered ones, a hole in the numbering, a symlink leading out of the folder.
 */
export async function listNumberedFiles(dir: string, opts: ListNumberedOptions): Promise<NumberedFile[]> {
  const what = opts.what ?? 'files';
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new DepthkitError(code === 'ENOENT' ? 'folder does not exist' : code === 'ENOTDIR' ? 'is not a folder' : `cannot read folder (${code})`, { file: dir, cause: err });
  }
  const wanted = names.filter((n) => !n.startsWith('.') && opts.extensions.includes(path.extname(n).toLowerCase())).sort(naturalCompare);
  if (wanted.length === 0) throw new DepthkitError(`holds no ${what} (${opts.extensions.join(', ')})`, { file: dir });
  const numbers = wanted.map(fileNumber);
  const unnumbered = wanted.filter((_, k) => numbers[k] === undefined);
  if (unnumbered.length === wanted.length) return checked(dir, wanted.map((n, index) => ({ index, name: n })));
  if (unnumbered.length) throw new DepthkitError(`mixes numbered and unnumbered ${what} (${unnumbered[0]} has no frame number)`, { file: dir });
  const byNumber = new Map<number, string>();
  wanted.forEach((n, k) => {
    const other = byNumber.get(numbers[k]!);
    if (other !== undefined) throw new DepthkitError(`two ${what} for frame number ${numbers[k]}: ${other} and ${n}`, { file: dir });
    byNumber.set(numbers[k]!, n);
  });
  const sorted = [...byNumber.keys()].sort((a, b) => a - b);
  const first = sorted[0];
  if (!opts.allowHoles) {
    const hole = sorted.findIndex((n, k) => n !== first + k);
    if (hole > 0) {
      const missing = sorted[hole] - sorted[hole - 1] - 1;
      const which = missing === 1 ? `number ${sorted[hole - 1] + 1}` : `numbers ${sorted[hole - 1] + 1}..${sorted[hole] - 1}`;
      throw new DepthkitError(`numbering of the ${what} has a hole: ${which} missing between ${byNumber.get(sorted[hole - 1])} and ${byNumber.get(sorted[hole])}`, { file: dir });
    }
  }
  return checked(dir, sorted.map((n) => ({ index: n - first, name: byNumber.get(n)! })));
}

async function checked(dir: string, entries: { index: number; name: string }[]): Promise<NumberedFile[]> {
  const guard = rootGuard(dir);
  return Promise.all(entries.map(async ({ index, name }) => ({ index, file: await guard.check(path.join(dir, name)) })));
}

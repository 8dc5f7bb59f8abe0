import { promises as fs } from 'node:fs';
import path from 'node:path';
import { DepthkitError } from '../errors.js';
import { DEPTH_EXTENSIONS } from '../io/depth-file.js';
import { naturalCompare } from '../io/numbered-files.js';
import { rootGuard } from '../io/safe-path.js';

export interface DepthPair {
  /** The shared name stem, e.g. "0001". */
  name: string;
  pred: string;
  gt: string;
}

export interface Pairing {
  pairs: DepthPair[];
  /** Stems present only among the predictions / only in the ground truth, in natural order. */
  unmatchedPred: string[];
  unmatchedGt: string[];
}

/**
 * Depth files of one flat folder by name stem; two files with one stem are an error (which would be meant?), and so
 * is a symlink leading out of the folder.
 */
async function stems(dir: string): Promise<Map<string, string>> {
  let entries;
  try {
    entries = await fs.readdir(dir, { withFileTypes: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new DepthkitError(code === 'ENOENT' ? 'folder does not exist' : `cannot read folder (${code})`, { file: dir, cause: err });
  }
  const guard = rootGuard(dir);
  const byStem = new Map<string, string>();
  for (const e of entries) {
    const ext = path.extname(e.name).toLowerCase();
    if (!(e.isFile() || e.isSymbolicLink()) || !(DEPTH_EXTENSIONS as readonly string[]).includes(ext)) continue;
    const stem = e.name.slice(0, -ext.length);
    const other = byStem.get(stem);
    if (other !== undefined) {
      const [a, b] = [path.basename(other), e.name].sort(naturalCompare);
      throw new DepthkitError(`two files share the name stem '${stem}': ${a} and ${b}`, { file: dir });
    }
    byStem.set(stem, e.isSymbolicLink() ? await guard.check(path.join(dir, e.name)) : path.join(dir, e.name));
  }
  return byStem;
}

/** Pairs predictions with ground truth by file name stem (pred 0001.npy with gt 0001.png), in natural order. */
export async function pairByStem(predDir: string, gtDir: string): Promise<Pairing> {
  const [pred, gt] = await Promise.all([stems(predDir), stems(gtDir)]);
  const pairs: DepthPair[] = [];
  const unmatchedPred: string[] = [];
  for (const [name, file] of pred) {
    const g = gt.get(name);
    if (g === undefined) unmatchedPred.push(name);
    else pairs.push({ name, pred: file, gt: g });
  }
  const unmatchedGt = [...gt.keys()].filter((name) => !pred.has(name));
  pairs.sort((a, b) => naturalCompare(a.name, b.name));
  unmatchedPred.sort(naturalCompare);
  unmatchedGt.sort(naturalCompare);
  return { pairs, unmatchedPred, unmatchedGt };
}

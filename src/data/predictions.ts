import { promises as fs } from 'node:fs';
import path from 'node:path';
import { DepthkitError } from '../errors.js';
import { DEPTH_EXTENSIONS } from '../io/depth-file.js';
import { rootGuard } from '../io/safe-path.js';
import type { SplitEntry } from './split.js';

/**
 * Finds each entry's prediction in a flat folder. Accepted names, extension .npy, .png or .pfm:
 * - the entry name: rgb path with '/' -> '_' and no extension (`bathroom_rgb_00045.npy`,
 *   `2011_09_26_2011_09_26_drive_0002_sync_image_02_data_0000000069.npy`);
 * - the rgb or ground-truth file stem (`rgb_00045.npy`, what `depthkit predict` writes; `sync_depth_00045.npy`)
 *   when no two entries of the split share it (true for NYU, false for KITTI, whose frame numbers repeat).
 * Two files answering one entry are an error: which would be meant? A symlink leading out of the folder is refused.
 */
export async function indexPredictions(predDir: string, entries: readonly SplitEntry[]): Promise<Map<string, string | undefined>> {
  let names: string[];
  try {
    names = await fs.readdir(predDir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new DepthkitError(code === 'ENOENT' ? 'folder does not exist' : `cannot read folder (${code})`, { file: predDir, cause: err });
  }
  const byStem = new Map<string, string[]>();
  for (const n of names) {
    const ext = path.extname(n).toLowerCase();
    if (!(DEPTH_EXTENSIONS as readonly string[]).includes(ext)) continue;
    const stem = n.slice(0, -ext.length);
    byStem.set(stem, [...(byStem.get(stem) ?? []), n]);
  }
  const stem = (file: string) => path.posix.basename(file, path.posix.extname(file));
  const stemCount = new Map<string, number>();
  for (const e of entries) for (const s of new Set([stem(e.rgb), stem(e.gt)])) stemCount.set(s, (stemCount.get(s) ?? 0) + 1);
  const guard = rootGuard(predDir);
  const out = new Map<string, string | undefined>();
  for (const e of entries) {
    const candidates = [...(byStem.get(e.name) ?? [])];
    for (const s of new Set([stem(e.rgb), stem(e.gt)])) if (stemCount.get(s) === 1) candidates.push(...(byStem.get(s) ?? []));
    if (candidates.length > 1) throw new DepthkitError(`${candidates.join(' and ')} are both predictions of ${e.rgb}`, { file: predDir });
    out.set(e.name, candidates.length ? await guard.check(path.join(predDir, candidates[0])) : undefined);
  }
  return out;
}

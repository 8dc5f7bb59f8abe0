import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { DepthMap, RgbImage } from '../metrics/types.js';
import { readDepthMap } from '../io/depth-file.js';
import { readImage } from '../io/image.js';
import { rootGuard } from '../io/safe-path.js';
import type { SplitEntry } from './split.js';

/** Where a benchmark's images and ground truth come from: a BTS-layout folder tree or the NYU labeled .mat. */
export interface DatasetSource {
  readonly layout: 'tree' | 'mat';
  /** What a missing-file error or a note should name. */
  readonly location: string;
  /** The files (or .mat images) an entry needs that are absent; rgb only when a model predicts from it. */
  missingFiles(entry: SplitEntry, needRgb: boolean): Promise<string[]>;
  /** Ground truth in metres, 0 where invalid. */
  readGt(entry: SplitEntry): Promise<DepthMap>;
  readRgb(entry: SplitEntry): Promise<RgbImage>;
  close(): void;
}

const exists = (file: string) => fs.access(file).then(() => true, () => false);

/**
 * The BTS layout: rgb paths of the split list below `dataPath`, ground-truth paths below `gtPath` (BTS's
 * --data_path / --gt_path; for NYU both are the same folder), 16-bit PNG ground truth divided by `gtScale`.
 */
export function treeSource(dataPath: string, gtPath: string, gtScale: number): DatasetSource {
  const rgbRoot = rootGuard(dataPath);
  const gtRoot = rootGuard(gtPath);
  const rgbFile = (e: SplitEntry) => path.join(dataPath, e.rgb);
  const gtFile = (e: SplitEntry) => path.join(gtPath, e.gt);
  return {
    layout: 'tree',
    location: dataPath === gtPath ? dataPath : `${dataPath} (rgb) and ${gtPath} (ground truth)`,
    async missingFiles(e, needRgb) {
      // Checked here too, so that a link out of the data folder stops the run before any work.
      const files = needRgb ? [await gtRoot.check(gtFile(e)), await rgbRoot.check(rgbFile(e))] : [await gtRoot.check(gtFile(e))];
      const present = await Promise.all(files.map(exists));
      return files.filter((_, i) => !present[i]);
    },
    readGt: async (e) => readDepthMap(await gtRoot.check(gtFile(e)), { scale: gtScale }),
    readRgb: async (e) => readImage(await rgbRoot.check(rgbFile(e))),
    close() {},
  };
}

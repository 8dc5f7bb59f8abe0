import { loadSharp } from '../io/sharp.js';
import { writeFileAtomic } from '../io/atomic.js';
import type { DepthMap } from '../metrics/types.js';
import { renderStrip } from '../report/strip.js';
import type { Sample } from './dataset.js';

/** RGB | prediction | ground truth | abs-rel error for one sample, as a PNG (the report's strip renderer). */
export async function writePreview(file: string, sample: Sample, pred: DepthMap, maxDepth: number, title: string): Promise<void> {
  const gt = { data: sample.depth, width: pred.width, height: pred.height };
  const img = await renderStrip({ rgb: sample.rgb, pred, gt, minDepth: 1e-3, maxDepth, title });
  const sharp = await loadSharp();
  const png = await sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } }).png().toBuffer();
  await writeFileAtomic(file, png);
}

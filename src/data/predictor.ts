import { DepthkitError } from '../errors.js';
import { readDepthMap } from '../io/depth-file.js';
import { resizeRgb } from '../io/image.js';
import { resizeBilinear } from '../metrics/resize.js';
import type { DepthMap } from '../metrics/types.js';
import type { DepthModel } from '../model/depth-model.js';
import { cropRgb, KB_SIZE, kbOffset, pasteDepth } from './kitti.js';
import type { DatasetSource } from './source.js';
import type { SplitEntry } from './split.js';

/** Where the predictions of a dataset run come from: another model's files or the built-in model. */
export interface Predictor {
  /** Entries given to one predict() call. */
  readonly batchSize: number;
  /** predict() calls in flight together. */
  readonly concurrency: number;
  /** For the output's metadata. */
  readonly description: string;
  /** One depth map (metres) per entry, at any size: evaluation resizes it to the ground truth when they differ. */
  predict(batch: SplitEntry[]): Promise<DepthMap[]>;
}

/** Prediction files found by indexPredictions; raw values divided by `predScale`. */
export function filePredictor(files: ReadonlyMap<string, string | undefined>, predScale: number, concurrency: number): Predictor {
  return {
    batchSize: 1,
    concurrency,
    description: 'files',
    predict: (batch) => Promise.all(batch.map((e) => {
      const file = files.get(e.name);
      if (!file) throw new DepthkitError(`no prediction for ${e.rgb} (expected ${e.name}.npy)`);
      return readDepthMap(file, { scale: predScale });
    })),
  };
}

/**
 * The model predicts from the split's RGB. KITTI with a 352x1216 model: the KB crop goes in and the prediction is
 * pasted back into a zero canvas of the full size (BTS); otherwise the image is resized to the model's input and the
 * prediction resized back (bilinear) to the image's size.
 */
export function modelPredictor(model: DepthModel, source: DatasetSource, dataset: 'kitti' | 'nyu', batchSize = model.batch ?? 4): Predictor {
  const { width, height } = model.inputSize;
  const kb = dataset === 'kitti' && width === KB_SIZE.width && height === KB_SIZE.height;
  return {
    batchSize,
    concurrency: 1,
    description: model.description,
    async predict(batch) {
      const images = await Promise.all(batch.map((e) => source.readRgb(e)));
      const inputs = await Promise.all(images.map((img) => {
        if (!kb) return resizeRgb(img, width, height);
        if (img.width < width || img.height < height) throw new DepthkitError(`${img.width}x${img.height} image is smaller than the KB crop 1216x352`);
        return cropRgb(img, kbOffset(img.width, img.height), width, height);
      }));
      const depth = await model.predict(inputs);
      return depth.map((d, i) => {
        const img = images[i];
        return kb ? pasteDepth(d, kbOffset(img.width, img.height), img.width, img.height) : resizeBilinear(d, img.width, img.height);
      });
    },
  };
}

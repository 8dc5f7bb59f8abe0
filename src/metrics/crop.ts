import { DepthkitError } from '../errors.js';

export type CropName = 'none' | 'garg' | 'eigen';
export const CROP_NAMES: readonly CropName[] = ['none', 'garg', 'eigen'];

/** A pixel rectangle, 0-based and half-open: rows top..bottom-1, columns left..right-1. */
export interface CropRect {
  top: number;
  bottom: number;
  left: number;
  right: number;
}

/**
 * Evaluation crops of the published protocols. The KITTI crops are fractions of the image size truncated the way
 * Python's int() does (BTS, monodepth2), so that every KITTI resolution (375x1242, 370x1224, ...) gets the crop the
 * reference scripts give it. The NYU Eigen crop is a fixed rectangle that only means something on 480x640.
 * Returns null for `none` (every pixel counts).
 */
export function resolveCrop(
  name: CropName,
  dataset: 'kitti' | 'nyu' | undefined,
  width: number,
  height: number,
): CropRect | null {
  if (name === 'none') return null;
  if (name === 'eigen' && dataset === undefined) {
    throw new DepthkitError('the eigen crop differs between KITTI and NYU: name the dataset (kitti or nyu)');
  }
  if (dataset === 'nyu') {
    if (name === 'garg') throw new DepthkitError('the garg crop is defined for KITTI only, not NYU');
    if (width !== 640 || height !== 480) {
      throw new DepthkitError(`the NYU Eigen crop is defined for 480x640 images, got ${height}x${width}`);
    }
    return { top: 45, bottom: 471, left: 41, right: 601 };
  }
  const [topFrac, bottomFrac] = name === 'garg' ? [0.40810811, 0.99189189] : [0.3324324, 0.91351351];
  return {
    top: Math.trunc(topFrac * height),
    bottom: Math.trunc(bottomFrac * height),
    left: Math.trunc(0.03594771 * width),
    right: Math.trunc(0.96405229 * width),
  };
}

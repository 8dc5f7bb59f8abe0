import h5wasm from 'h5wasm/node';
import { DepthkitError, FormatError } from '../errors.js';
import type { DepthMap, RgbImage } from '../metrics/types.js';
import type { DatasetSource } from './source.js';
import { nyuMatIndex } from './split.js';

/**
 * nyu_depth_v2_labeled.mat (MATLAB v7.3, i.e. HDF5 behind a 512-byte user block). MATLAB writes column-major, so
 * HDF5 sees every array transposed: `images` (N, 3, W, H) uint8 and `depths` / `rawDepths` (N, W, H) float32
 * metres. Element (c, x, y) of image i therefore sits at i*3*W*H + c*W*H + x*H + y.
 */
export type NyuDepthKey = 'rawDepths' | 'depths';

interface Dataset {
  shape: number[] | null;
  dtype: unknown;
  slice(ranges: number[][]): unknown;
}

export interface NyuMat {
  count: number;
  width: number;
  height: number;
  /** 1-based, as MATLAB and splits.mat number the images. */
  readDepth(index: number): DepthMap;
  readRgb(index: number): RgbImage;
  close(): void;
}

export async function openNyuMat(file: string, depthKey: NyuDepthKey = 'rawDepths'): Promise<NyuMat> {
  await h5wasm.ready;
  let f: InstanceType<typeof h5wasm.File>;
  try {
    f = new h5wasm.File(file, 'r');
  } catch (err) {
    throw new FormatError(file, `not a readable MATLAB v7.3 (HDF5) file (${(err as Error).message})`, err);
  }
  const get = (key: string, rank: number): Dataset => {
    const d = f.get(key) as unknown as Dataset | null;
    if (!d || typeof d.slice !== 'function' || d.shape?.length !== rank) {
      f.close();
      throw new FormatError(file, `has no ${rank}-d dataset '${key}' (is it nyu_depth_v2_labeled.mat?)`);
    }
    return d;
  };
  const images = get('images', 4);
  const depths = get(depthKey, 3);
  const [count, width, height] = depths.shape!;
  const [n, channels, iw, ih] = images.shape!;
  if (n !== count || channels !== 3 || iw !== width || ih !== height) {
    f.close();
    throw new FormatError(file, `images ${images.shape!.join('x')} do not match ${depthKey} ${depths.shape!.join('x')}`);
  }
  const check = (index: number) => {
    if (!Number.isInteger(index) || index < 1 || index > count) throw new DepthkitError(`has no image ${index} (holds ${count})`, { file });
  };
  const plane = width * height;
  return {
    count,
    width,
    height,
    readDepth(index) {
      check(index);
      const src = depths.slice([[index - 1, index], [], []]) as Float32Array;
      const data = new Float32Array(plane);
      for (let x = 0; x < width; x++) for (let y = 0; y < height; y++) data[y * width + x] = src[x * height + y];
      return { data, width, height };
    },
    readRgb(index) {
      check(index);
      const src = images.slice([[index - 1, index], [], [], []]) as Uint8Array;
      const data = new Uint8Array(3 * plane);
      for (let c = 0; c < 3; c++) {
        for (let x = 0; x < width; x++) for (let y = 0; y < height; y++) data[3 * (y * width + x) + c] = src[c * plane + x * height + y];
      }
      return { data, width, height };
    },
    close: () => f.close(),
  };
}

/**
 * BTS's extraction keeps rows 7..473 and columns 7..631 of the RGB and paints the rest black (the labeled images
 * have a white border from the undistortion); the .mat source does the same so that a model sees the images the
 * BTS layout holds.
 */
function blackBorder(img: RgbImage): RgbImage {
  const data = new Uint8Array(img.data.length);
  for (let y = 7; y < Math.min(474, img.height); y++) {
    const row = 3 * y * img.width;
    data.set(img.data.subarray(row + 21, row + 3 * Math.min(632, img.width)), row + 21);
  }
  return { ...img, data };
}

/** The NYU Eigen test images read straight from the labeled .mat; entries keep their BTS names. */
export async function matSource(file: string, depthKey: NyuDepthKey = 'rawDepths'): Promise<DatasetSource> {
  const mat = await openNyuMat(file, depthKey);
  return {
    layout: 'mat',
    location: file,
    async missingFiles(e) {
      const i = nyuMatIndex(e);
      return i <= mat.count ? [] : [`${file}: image ${i}`];
    },
    readGt: async (e) => mat.readDepth(nyuMatIndex(e)),
    readRgb: async (e) => blackBorder(mat.readRgb(nyuMatIndex(e))),
    close: () => mat.close(),
  };
}

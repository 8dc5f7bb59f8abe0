import { gaussianBlur } from './edges.js';

/**
 * SSIM (Wang et al. 2004) with the paper's settings, defined as skimage.metrics.structural_similarity(
 * gaussian_weights=True, sigma=1.5, use_sample_covariance=False, K1=0.01, K2=0.03, data_range=L): local statistics
 * from a Gaussian window (scipy gaussian_filter, reflect, truncate 3.5, i.e. 11x11), the SSIM map averaged over the
 * pixels at least 5 px from the border. Images smaller than 11 px a side have no such pixel: NaN.
 */
export interface SsimOptions {
  /** L in C1 = (K1 L)^2, C2 = (K2 L)^2. Default: the largest value minus the smallest over both inputs (1 if 0). */
  dataRange?: number;
}

const SIGMA = 1.5;
const TRUNCATE = 3.5;
const K1 = 0.01;
const K2 = 0.03;

export function ssim(x: ArrayLike<number>, y: ArrayLike<number>, w: number, h: number, options: SsimOptions = {}): number {
  const n = w * h;
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < n; i++) {
    lo = Math.min(lo, x[i], y[i]);
    hi = Math.max(hi, x[i], y[i]);
  }
  const range = options.dataRange ?? (hi > lo ? hi - lo : 1);
  const X = Float64Array.from(x);
  const Y = Float64Array.from(y);
  const blur = (a: Float64Array) => gaussianBlur(a, w, h, SIGMA, 'reflect', TRUNCATE);
  const mx = blur(X);
  const my = blur(Y);
  const mxx = blur(X.map((v) => v * v));
  const myy = blur(Y.map((v) => v * v));
  const mxy = blur(X.map((v, i) => v * Y[i]));
  const c1 = (K1 * range) ** 2;
  const c2 = (K2 * range) ** 2;
  const pad = Math.floor(TRUNCATE * SIGMA + 0.5);
  let sum = 0;
  let count = 0;
  for (let r = pad; r < h - pad; r++) {
    for (let c = pad; c < w - pad; c++) {
      const i = r * w + c;
      const vx = mxx[i] - mx[i] * mx[i];
      const vy = myy[i] - my[i] * my[i];
      const cov = mxy[i] - mx[i] * my[i];
      sum += ((2 * mx[i] * my[i] + c1) * (2 * cov + c2)) / ((mx[i] ** 2 + my[i] ** 2 + c1) * (vx + vy + c2));
      count++;
    }
  }
  return count ? sum / count : NaN;
}

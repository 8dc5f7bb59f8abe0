import type { Mask } from './types.js';

/**
 * Canny edges and the exact Euclidean distance transform, written to match skimage.feature.canny (0.19+) and
 * scipy.ndimage.distance_transform_edt, which the iBims-1 depth-boundary errors are defined with.
 */
export interface CannyOptions {
  /** Gaussian sigma (iBims-1: sqrt(2)). */
  sigma: number;
  /** Hysteresis thresholds on the gradient magnitude of the smoothed image (absolute, as skimage by default). */
  low: number;
  high: number;
  /** Pixels to use; edges never fall on or next to an unused pixel (skimage's mask semantics). Default: all. */
  mask?: Mask;
}

/** scipy.ndimage's Gaussian kernel: radius int(truncate sigma + 0.5), weights normalised to sum 1. */
function gaussianKernel(sigma: number, truncate: number): Float64Array {
  const radius = Math.floor(truncate * sigma + 0.5);
  const k = new Float64Array(2 * radius + 1);
  let sum = 0;
  for (let i = -radius; i <= radius; i++) {
    k[i + radius] = Math.exp((-0.5 * i * i) / (sigma * sigma));
    sum += k[i + radius];
  }
  for (let i = 0; i < k.length; i++) k[i] /= sum;
  return k;
}

type Border = (i: number, n: number) => number;
/** mode='constant' (cval 0): -1 marks "outside, contributes 0". */
const constantBorder: Border = (i, n) => (i < 0 || i >= n ? -1 : i);
/** mode='reflect' (scipy: half-sample symmetric, d c b a | a b c d). */
const reflectBorder: Border = (i, n) => {
  const period = 2 * n;
  let j = ((i % period) + period) % period;
  if (j >= n) j = period - 1 - j;
  return j;
};

/** 1-D correlation along x (axis 1) or y (axis 0) with a centred odd kernel. */
function correlate1d(src: Float64Array, w: number, h: number, k: ArrayLike<number>, alongX: boolean, border: Border): Float64Array {
  const out = new Float64Array(w * h);
  const r = (k.length - 1) / 2;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let s = 0;
      for (let t = -r; t <= r; t++) {
        const j = border(alongX ? x + t : y + t, alongX ? w : h);
        if (j < 0) continue;
        s += k[t + r] * src[alongX ? y * w + j : j * w + x];
      }
      out[y * w + x] = s;
    }
  }
  return out;
}

/**
 * scipy.ndimage.gaussian_filter: axis 0 first, 'constant' pads with zeros, 'reflect' mirrors about the edge
 * (d c b a | a b c d); kernel radius int(truncate sigma + 0.5).
 */
export function gaussianBlur(
  src: Float64Array,
  w: number,
  h: number,
  sigma: number,
  mode: 'constant' | 'reflect' = 'constant',
  truncate = 4,
): Float64Array {
  const k = gaussianKernel(sigma, truncate);
  const border = mode === 'constant' ? constantBorder : reflectBorder;
  return correlate1d(correlate1d(src, w, h, k, false, border), w, h, k, true, border);
}

/**
 * Canny (skimage.feature.canny): masked Gaussian smoothing renormalised by the blurred mask (so zero padding
 * and unused pixels do not create edges), Sobel gradients (scipy, reflect), bilinear non-maximum suppression
 * with the low threshold on an eroded mask (no edge on the outer border), then hysteresis: keep every
 * 8-connected component of surviving pixels that holds at least one pixel >= high.
 */
export function canny(image: ArrayLike<number>, w: number, h: number, opts: CannyOptions): Mask {
  const n = w * h;
  const mask = new Float64Array(n);
  const masked = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    mask[i] = !opts.mask || opts.mask[i] ? 1 : 0;
    masked[i] = mask[i] ? image[i] : 0;
  }
  const smoothed = gaussianBlur(masked, w, h, opts.sigma);
  const bleed = gaussianBlur(mask, w, h, opts.sigma);
  for (let i = 0; i < n; i++) smoothed[i] /= bleed[i] + Number.EPSILON;
  const eroded = erode3x3(mask, w, h);

  const diff = [-1, 0, 1];
  const smooth = [1, 2, 1];
  const isobel = correlate1d(correlate1d(smoothed, w, h, diff, false, reflectBorder), w, h, smooth, true, reflectBorder);
  const jsobel = correlate1d(correlate1d(smoothed, w, h, diff, true, reflectBorder), w, h, smooth, false, reflectBorder);
  const magnitude = new Float64Array(n);
  for (let i = 0; i < n; i++) magnitude[i] = Math.hypot(isobel[i], jsobel[i]);

  const kept = suppressNonMaxima(isobel, jsobel, magnitude, eroded, w, h, opts.low);
  return hysteresis(kept, w, h, opts.high);
}

/** Binary erosion with a 3x3 square, outside counted as 0 (scipy binary_erosion, border_value=0). */
function erode3x3(mask: Float64Array, w: number, h: number): Uint8Array {
  const out = new Uint8Array(w * h);
  for (let y = 1; y < h - 1; y++) {
    for (let x = 1; x < w - 1; x++) {
      let all = 1;
      for (let dy = -1; dy <= 1 && all; dy++) for (let dx = -1; dx <= 1; dx++) if (!mask[(y + dy) * w + x + dx]) all = 0;
      out[y * w + x] = all;
    }
  }
  return out;
}

/** skimage's bilinear NMS: interpolate the magnitude on both sides along the gradient; keep m if both are <= m. */
function suppressNonMaxima(
  isobel: Float64Array,
  jsobel: Float64Array,
  mag: Float64Array,
  eroded: Uint8Array,
  w: number,
  h: number,
  low: number,
): Float64Array {
  const threshold = low === 0 ? 1e-14 : low;
  const out = new Float64Array(w * h);
  const at = (r: number, c: number) => mag[r * w + c];
  for (let r = 0; r < h; r++) {
    for (let c = 0; c < w; c++) {
      const i = r * w + c;
      const m = mag[i];
      if (!eroded[i] || !(m >= threshold)) continue;
      const gi = isobel[i];
      const gj = jsobel[i];
      const sameSign = (gi >= 0 && gj >= 0) || (gi <= 0 && gj <= 0);
      const oppositeSign = (gi <= 0 && gj >= 0) || (gi >= 0 && gj <= 0);
      if (!sameSign && !oppositeSign) continue;
      const ai = Math.abs(gi);
      const aj = Math.abs(gj);
      let wgt: number;
      let n11: number, n12: number, n21: number, n22: number;
      if (sameSign) {
        if (ai > aj) {
          wgt = aj / ai;
          [n11, n12, n21, n22] = [at(r + 1, c), at(r + 1, c + 1), at(r - 1, c), at(r - 1, c - 1)];
        } else {
          wgt = ai / aj;
          [n11, n12, n21, n22] = [at(r, c + 1), at(r + 1, c + 1), at(r, c - 1), at(r - 1, c - 1)];
        }
      } else if (ai < aj) {
        wgt = ai / aj;
        [n11, n12, n21, n22] = [at(r, c + 1), at(r - 1, c + 1), at(r, c - 1), at(r + 1, c - 1)];
      } else {
        wgt = aj / ai;
        [n11, n12, n21, n22] = [at(r - 1, c), at(r - 1, c + 1), at(r + 1, c), at(r + 1, c - 1)];
      }
      if (n12 * wgt + n11 * (1 - wgt) <= m && n22 * wgt + n21 * (1 - wgt) <= m) out[i] = m;
    }
  }
  return out;
}

/** Keeps the 8-connected components of nonzero `kept` that contain a value >= high. */
function hysteresis(kept: Float64Array, w: number, h: number, high: number): Mask {
  const out = new Uint8Array(w * h);
  const stack: number[] = [];
  for (let s = 0; s < kept.length; s++) {
    if (out[s] || !(kept[s] >= high)) continue;
    out[s] = 1;
    stack.push(s);
    while (stack.length) {
      const i = stack.pop() as number;
      const y = Math.floor(i / w);
      const x = i - y * w;
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          const yy = y + dy;
          const xx = x + dx;
          if (yy < 0 || yy >= h || xx < 0 || xx >= w) continue;
          const j = yy * w + xx;
          if (!out[j] && kept[j] > 0) {
            out[j] = 1;
            stack.push(j);
          }
        }
      }
    }
  }
  return out;
}

/** 1-D squared-distance transform of sampled function f (Felzenszwalb & Huttenlocher 2012, lower envelope). */
function dt1d(f: Float64Array, n: number, d: Float64Array, v: Int32Array, z: Float64Array): void {
  let k = 0;
  v[0] = 0;
  z[0] = -Infinity;
  z[1] = Infinity;
  for (let q = 1; q < n; q++) {
    if (f[q] === Infinity) continue;
    if (f[v[0]] === Infinity) {
      v[0] = q;
      continue;
    }
    let s = (f[q] + q * q - (f[v[k]] + v[k] * v[k])) / (2 * q - 2 * v[k]);
    while (s <= z[k]) {
      k--;
      s = (f[q] + q * q - (f[v[k]] + v[k] * v[k])) / (2 * q - 2 * v[k]);
    }
    k++;
    v[k] = q;
    z[k] = s;
    z[k + 1] = Infinity;
  }
  k = 0;
  for (let q = 0; q < n; q++) {
    while (z[k + 1] < q) k++;
    const dq = q - v[k];
    d[q] = f[v[k]] === Infinity ? Infinity : dq * dq + f[v[k]];
  }
}

/**
 * Exact Euclidean distance from every pixel to the nearest pixel where `features` is 1 (0 on them), i.e.
 * scipy.ndimage.distance_transform_edt(1 - features). Infinity everywhere when there is no feature pixel
 * (scipy returns a meaningless finite value there; callers treat "no edge" separately).
 */
export function distanceTransform(features: Mask, w: number, h: number): Float64Array {
  const n = Math.max(w, h);
  const f = new Float64Array(n);
  const d = new Float64Array(n);
  const v = new Int32Array(n);
  const z = new Float64Array(n + 1);
  const sq = new Float64Array(w * h);
  for (let i = 0; i < w * h; i++) sq[i] = features[i] ? 0 : Infinity;
  for (let x = 0; x < w; x++) {
    for (let y = 0; y < h; y++) f[y] = sq[y * w + x];
    dt1d(f, h, d, v, z);
    for (let y = 0; y < h; y++) sq[y * w + x] = d[y];
  }
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) f[x] = sq[y * w + x];
    dt1d(f, w, d, v, z);
    for (let x = 0; x < w; x++) sq[y * w + x] = Math.sqrt(d[x]);
  }
  return sq;
}

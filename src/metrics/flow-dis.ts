import { DepthkitError } from '../errors.js';
import { toGrey } from './flow.js';
import type { RgbImage } from './types.js';
import { checkGrids, type FlowField } from './warp.js';

/**
 * Dense Inverse Search optical flow (Kroeger, Timofte, Dai & Van Gool, ECCV 2016), written after the paper and the
 * structure of OpenCV's `modules/video/src/dis_flow.cpp` (no code taken). Coarse to fine over an area-averaged
 * pyramid; at each scale:
 * 1. patch inverse search: a grid of `patch`-sized patches every `stride` px, each starting from the coarser
 *    scale's flow at its centre, propagated from its already-solved neighbours when their flow matches the patch
 *    better (two passes, forward then backward), then refined by inverse-compositional Gauss-Newton on the
 *    mean-normalised patch difference (the Hessian of frame a's patch is computed once, so an iteration is one
 *    bilinear warp of the patch);
 * 2. densification: each pixel takes the mean of the flows of the patches covering it, weighted by
 *    1 / max(1, |b(x + f) - a(x)|), so the patch that explains the pixel best weighs most;
 * 3. variational refinement (Brox et al. 2004, as DIS uses it): brightness and gradient constancy plus a smoothness
 *    term, robust (Charbonnier) penalties, fixed-point iterations over a linearised system solved by SOR.
 * The field of the finest computed scale (`finestScale`) is upsampled (bilinear, vectors scaled) to the frame.
 * Defaults are OpenCV's MEDIUM preset, except `finestScale`, which depthkit sets to 0 because it already estimates
 * flow on frames shrunk to `--flow-size`.
 */
export interface DisOptions {
  /** Side of the square patches (px). Default 8. */
  patch?: number;
  /** Distance between patch origins (px). Default 3 (MEDIUM; FAST uses 4). */
  stride?: number;
  /** Scale at which the estimate stops (0 = full resolution, 1 = half, ...). Default 0. */
  finestScale?: number;
  /** Gauss-Newton iterations of each patch per scale (split over the two propagation passes). Default 25. */
  iterations?: number;
  /** Fixed-point iterations of the variational refinement per scale (0 turns it off). Default 5. */
  refineIterations?: number;
  /** Smoothness weight of the refinement. Default 20. */
  alpha?: number;
  /** Brightness-constancy weight. Default 5. */
  delta?: number;
  /** Gradient-constancy weight. Default 10. */
  gamma?: number;
}

const DEFAULTS: Required<DisOptions> = { patch: 8, stride: 3, finestScale: 0, iterations: 25, refineIterations: 5, alpha: 20, delta: 5, gamma: 10 };

interface Plane {
  data: Float32Array;
  width: number;
  height: number;
}

/** Halves a plane by 2x2 area averaging (an odd last row or column is dropped, as an integer-factor INTER_AREA). */
function halve(p: Plane): Plane {
  const w = p.width >> 1;
  const h = p.height >> 1;
  const out = new Float32Array(w * h);
  const s = p.data;
  for (let y = 0; y < h; y++) {
    const r0 = 2 * y * p.width;
    const r1 = r0 + p.width;
    for (let x = 0; x < w; x++) out[y * w + x] = 0.25 * (s[r0 + 2 * x] + s[r0 + 2 * x + 1] + s[r1 + 2 * x] + s[r1 + 2 * x + 1]);
  }
  return { data: out, width: w, height: h };
}

/** Sobel gradients divided by 8 (true per-pixel derivatives, so Gauss-Newton steps are in pixels), replicated borders. */
function gradients(p: Plane): { gx: Float32Array; gy: Float32Array } {
  const { width: w, height: h, data: d } = p;
  const gx = new Float32Array(w * h);
  const gy = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    const up = (y > 0 ? y - 1 : 0) * w;
    const mid = y * w;
    const dn = (y < h - 1 ? y + 1 : y) * w;
    for (let x = 0; x < w; x++) {
      const l = x > 0 ? x - 1 : 0;
      const r = x < w - 1 ? x + 1 : x;
      gx[mid + x] = (d[up + r] - d[up + l] + 2 * (d[mid + r] - d[mid + l]) + d[dn + r] - d[dn + l]) / 8;
      gy[mid + x] = (d[dn + l] - d[up + l] + 2 * (d[dn + x] - d[up + x]) + d[dn + r] - d[up + r]) / 8;
    }
  }
  return { gx, gy };
}

/** Bilinear sample with the coordinates clamped to the image (replicated border). */
function sample(d: Float32Array, w: number, h: number, x: number, y: number): number {
  const sx = x < 0 ? 0 : x > w - 1 ? w - 1 : x;
  const sy = y < 0 ? 0 : y > h - 1 ? h - 1 : y;
  let x0 = Math.floor(sx);
  let y0 = Math.floor(sy);
  if (x0 > w - 2) x0 = w - 2;
  if (y0 > h - 2) y0 = h - 2;
  const fx = sx - x0;
  const fy = sy - y0;
  const j = y0 * w + x0;
  const top = d[j] + fx * (d[j + 1] - d[j]);
  const bottom = d[j + w] + fx * (d[j + w + 1] - d[j + w]);
  return top + fy * (bottom - top);
}

/** A dense field resampled to width x height (bilinear, pixel centres aligned), vectors scaled with the size. */
function resizeField(f: FlowField, width: number, height: number): FlowField {
  const u = new Float32Array(width * height);
  const v = new Float32Array(width * height);
  const kx = width / f.width;
  const ky = height / f.height;
  for (let y = 0, i = 0; y < height; y++) {
    const sy = (y + 0.5) / ky - 0.5;
    for (let x = 0; x < width; x++, i++) {
      const sx = (x + 0.5) / kx - 0.5;
      u[i] = kx * sample(f.u, f.width, f.height, sx, sy);
      v[i] = ky * sample(f.v, f.width, f.height, sx, sy);
    }
  }
  return { u, v, width, height };
}

/** Patch grid of one scale: origins every `stride` px, the last one flush with the image's right/bottom edge. */
function patchOrigins(size: number, patch: number, stride: number): Int32Array {
  const n = Math.max(1, Math.floor((size - patch) / stride) + 1);
  const last = Math.max(0, size - patch);
  const out = new Int32Array(n + (n > 1 && (n - 1) * stride < last ? 1 : 0));
  for (let k = 0; k < n; k++) out[k] = Math.min(last, k * stride);
  if (out.length > n) out[n] = last;
  return out;
}

interface Scale {
  a: Plane;
  b: Plane;
  gx: Float32Array;
  gy: Float32Array;
}

/**
 * b's patch at (px, py) moved by (u, v), bilinear, into `out`. Every pixel of a patch shares the same sub-pixel
 * offset, so the four weights are computed once; only patches reaching past the border take the clamped path.
 */
function warpPatch(b: Plane, px: number, py: number, ps: number, u: number, v: number, out: Float32Array): void {
  const { data: d, width: w, height: h } = b;
  const sx = px + u;
  const sy = py + v;
  const x0 = Math.floor(sx);
  const y0 = Math.floor(sy);
  if (x0 < 0 || y0 < 0 || x0 + ps >= w || y0 + ps >= h) {
    for (let y = 0, q = 0; y < ps; y++) for (let x = 0; x < ps; x++, q++) out[q] = sample(d, w, h, sx + x, sy + y);
    return;
  }
  const fx = sx - x0;
  const fy = sy - y0;
  const w00 = (1 - fx) * (1 - fy);
  const w01 = fx * (1 - fy);
  const w10 = (1 - fx) * fy;
  const w11 = fx * fy;
  for (let y = 0, q = 0; y < ps; y++) {
    let j = (y0 + y) * w + x0;
    for (let x = 0; x < ps; x++, q++, j++) out[q] = w00 * d[j] + w01 * d[j + 1] + w10 * d[j + w] + w11 * d[j + w + 1];
  }
}

/** Mean-normalised SSD between a's patch at (px, py) and the warped patch `wb`. */
function patchCost(a: Plane, px: number, py: number, ps: number, wb: Float32Array): number {
  const w = a.width;
  let sum = 0;
  let sq = 0;
  for (let y = 0, q = 0; y < ps; y++) {
    const row = (py + y) * w + px;
    for (let x = 0; x < ps; x++, q++) {
      const d = wb[q] - a.data[row + x];
      sum += d;
      sq += d * d;
    }
  }
  return sq - (sum * sum) / (ps * ps);
}

/** Sparse patch flows of one scale (inverse search with spatial propagation), started from the dense `init`. */
function patchSearch(s: Scale, init: FlowField, o: Required<DisOptions>): { xs: Int32Array; ys: Int32Array; u: Float32Array; v: Float32Array } {
  const { a, gx, gy } = s;
  const w = a.width;
  const ps = Math.min(o.patch, a.width, a.height);
  const xs = patchOrigins(a.width, ps, o.stride);
  const ys = patchOrigins(a.height, ps, o.stride);
  const nx = xs.length;
  const np = nx * ys.length;
  const u = new Float32Array(np);
  const v = new Float32Array(np);
  const u0 = new Float32Array(np);
  const v0 = new Float32Array(np);
  // The Hessian of each of a's patches (mean-normalised): fixed over the iterations (inverse compositional).
  const hxx = new Float32Array(np);
  const hxy = new Float32Array(np);
  const hyy = new Float32Array(np);
  const mx = new Float32Array(np);
  const my = new Float32Array(np);
  const n = ps * ps;
  const half = ps / 2;
  for (let j = 0, k = 0; j < ys.length; j++) {
    for (let i = 0; i < nx; i++, k++) {
      let sxx = 0, sxy = 0, syy = 0, sx = 0, sy = 0;
      for (let y = 0; y < ps; y++) {
        const row = (ys[j] + y) * w + xs[i];
        for (let x = 0; x < ps; x++) {
          const ix = gx[row + x];
          const iy = gy[row + x];
          sxx += ix * ix; sxy += ix * iy; syy += iy * iy; sx += ix; sy += iy;
        }
      }
      hxx[k] = sxx - (sx * sx) / n;
      hxy[k] = sxy - (sx * sy) / n;
      hyy[k] = syy - (sy * sy) / n;
      mx[k] = sx / n;
      my[k] = sy / n;
      const c = Math.min(init.width - 1, Math.round(xs[i] + half)) + Math.min(init.height - 1, Math.round(ys[j] + half)) * init.width;
      u[k] = u0[k] = init.u[c];
      v[k] = v0[k] = init.v[c];
    }
  }
  const diff = new Float32Array(n);
  const descend = (k: number, px: number, py: number, iters: number): void => {
    // Regularised so that a flat patch takes no step instead of dividing by ~0.
    const eps = 1e-3 * n;
    const a11 = hxx[k] + eps;
    const a22 = hyy[k] + eps;
    const a12 = hxy[k];
    const det = a11 * a22 - a12 * a12;
    let best = Infinity;
    let bu = u[k];
    let bv = v[k];
    let cu = u[k];
    let cv = v[k];
    for (let it = 0; it <= iters; it++) {
      warpPatch(s.b, px, py, ps, cu, cv, diff);
      let sum = 0;
      let sq = 0;
      let bx = 0;
      let by = 0;
      for (let y = 0, q = 0; y < ps; y++) {
        const row = (py + y) * w + px;
        for (let x = 0; x < ps; x++, q++) {
          const d = diff[q] - a.data[row + x];
          sum += d;
          sq += d * d;
          bx += d * gx[row + x];
          by += d * gy[row + x];
        }
      }
      const cost = sq - (sum * sum) / n;
      if (cost < best) {
        best = cost;
        bu = cu;
        bv = cv;
      }
      if (it === iters) break;
      // Mean normalisation: sum (d - mean d) * g = sum d g - mean(d) * sum g.
      bx -= sum * mx[k];
      by -= sum * my[k];
      const du = (a22 * bx - a12 * by) / det;
      const dv = (a11 * by - a12 * bx) / det;
      cu -= du;
      cv -= dv;
      // Converged well below what the densification and refinement resolve: the remaining iterations would not move it.
      if (du * du + dv * dv < 1e-4) break;
    }
    // A patch that wandered further than its own size from where it started has latched onto something else.
    if (Math.hypot(bu - u0[k], bv - v0[k]) > ps) {
      bu = u0[k];
      bv = v0[k];
    }
    u[k] = bu;
    v[k] = bv;
  };
  const passes = 2;
  const iters = Math.max(1, Math.round(o.iterations / passes));
  for (let pass = 0; pass < passes; pass++) {
    const dir = pass % 2 === 0 ? 1 : -1;
    for (let jj = 0; jj < ys.length; jj++) {
      const j = dir > 0 ? jj : ys.length - 1 - jj;
      for (let ii = 0; ii < nx; ii++) {
        const i = dir > 0 ? ii : nx - 1 - ii;
        const k = j * nx + i;
        const px = xs[i];
        const py = ys[j];
        // Spatial propagation: the neighbour solved just before (left/up forward, right/down backward) may fit better.
        warpPatch(s.b, px, py, ps, u[k], v[k], diff);
        let best = patchCost(a, px, py, ps, diff);
        const left = i - dir;
        const up = j - dir;
        for (let c = 0; c < 2; c++) {
          const m = c === 0 ? (left >= 0 && left < nx ? k - dir : -1) : up >= 0 && up < ys.length ? k - dir * nx : -1;
          if (m < 0) continue;
          warpPatch(s.b, px, py, ps, u[m], v[m], diff);
          const cost = patchCost(a, px, py, ps, diff);
          if (cost < best) {
            best = cost;
            u[k] = u[m];
            v[k] = v[m];
          }
        }
        descend(k, px, py, iters);
      }
    }
  }
  return { xs, ys, u, v };
}

/** Dense field from the patch flows: per pixel, the mean of the covering patches' flows weighted by their fit. */
function densify(s: Scale, p: ReturnType<typeof patchSearch>, ps: number): FlowField {
  const { a, b } = s;
  const w = a.width;
  const h = a.height;
  const u = new Float32Array(w * h);
  const v = new Float32Array(w * h);
  const wsum = new Float32Array(w * h);
  const wb = new Float32Array(ps * ps);
  const nx = p.xs.length;
  for (let j = 0; j < p.ys.length; j++) {
    for (let i = 0; i < nx; i++) {
      const k = j * nx + i;
      const fu = p.u[k];
      const fv = p.v[k];
      warpPatch(b, p.xs[i], p.ys[j], ps, fu, fv, wb);
      for (let y = p.ys[j], r = 0; y < p.ys[j] + ps; y++) {
        for (let x = p.xs[i]; x < p.xs[i] + ps; x++, r++) {
          const q = y * w + x;
          const wt = 1 / Math.max(1, Math.abs(wb[r] - a.data[q]));
          u[q] += wt * fu;
          v[q] += wt * fv;
          wsum[q] += wt;
        }
      }
    }
  }
  for (let q = 0; q < u.length; q++) {
    if (wsum[q] > 0) {
      u[q] /= wsum[q];
      v[q] /= wsum[q];
    }
  }
  return { u, v, width: w, height: h };
}


/** Central difference of a plane at pixel (x, y) along x and y, replicated borders. */
function centralDiff(d: Float32Array, w: number, h: number, out: { dx: Float32Array; dy: Float32Array }): void {
  for (let y = 0; y < h; y++) {
    const up = (y > 0 ? y - 1 : 0) * w;
    const dn = (y < h - 1 ? y + 1 : y) * w;
    const row = y * w;
    for (let x = 0; x < w; x++) {
      const l = x > 0 ? x - 1 : 0;
      const r = x < w - 1 ? x + 1 : x;
      out.dx[row + x] = (d[row + r] - d[row + l]) / Math.max(1, r - l);
      out.dy[row + x] = (d[dn + x] - d[up + x]) / Math.max(1, (dn - up) / w);
    }
  }
}

/**
 * Variational refinement of a dense field in place: linearised around the current flow, increments (du, dv) that
 * minimise delta*Psi(brightness) + gamma*Psi(gradient constancy) + alpha*Psi(|grad(f + df)|^2), each outer
 * iteration re-weighting the penalties and running SOR sweeps on the linear system.
 */
function refine(s: Scale, f: FlowField, o: Required<DisOptions>): void {
  const { a, b } = s;
  const w = a.width;
  const h = a.height;
  const n = w * h;
  if (w < 3 || h < 3) return;
  const warped = new Float32Array(n);
  for (let y = 0, i = 0; y < h; y++) for (let x = 0; x < w; x++, i++) warped[i] = sample(b.data, w, h, x + f.u[i], y + f.v[i]) / 255;
  const avg = new Float32Array(n);
  const dt = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    avg[i] = 0.5 * (a.data[i] / 255 + warped[i]);
    dt[i] = warped[i] - a.data[i] / 255;
  }
  const g = { dx: new Float32Array(n), dy: new Float32Array(n) };
  centralDiff(avg, w, h, g);
  const gx = { dx: new Float32Array(n), dy: new Float32Array(n) };
  const gy = { dx: new Float32Array(n), dy: new Float32Array(n) };
  centralDiff(g.dx, w, h, gx);
  centralDiff(g.dy, w, h, gy);
  const gt = { dx: new Float32Array(n), dy: new Float32Array(n) };
  centralDiff(dt, w, h, gt);
  const Ix = g.dx, Iy = g.dy, Ixx = gx.dx, Ixy = gx.dy, Iyy = gy.dy, Ixz = gt.dx, Iyz = gt.dy;
  // The flow is updated in place (U, V: total flow); u0, v0 keep the linearisation point, du = U - u0.
  const U = f.u;
  const V = f.v;
  const u0 = U.slice();
  const v0 = V.slice();
  const a11 = new Float32Array(n), a12 = new Float32Array(n), a22 = new Float32Array(n);
  const b1 = new Float32Array(n), b2 = new Float32Array(n);
  // Smoothness weight of the edge to the right / below (0 past the last column / row, so no edge leaves the image).
  const er = new Float32Array(n);
  const ed = new Float32Array(n);
  const omega = 1.6;
  const { alpha, delta, gamma } = o;
  for (let outer = 0; outer < o.refineIterations; outer++) {
    for (let y = 0, i = 0; y < h; y++) {
      for (let x = 0; x < w; x++, i++) {
        const du = U[i] - u0[i];
        const dv = V[i] - v0[i];
        // Charbonnier weights 1 / (2 sqrt(s^2 + eps^2)), eps = 1e-3 as OpenCV's.
        const rd = dt[i] + Ix[i] * du + Iy[i] * dv;
        const rx = Ixz[i] + Ixx[i] * du + Ixy[i] * dv;
        const ry = Iyz[i] + Ixy[i] * du + Iyy[i] * dv;
        const pd = (0.5 * delta) / Math.sqrt(rd * rd + 1e-6);
        const pg = (0.5 * gamma) / Math.sqrt(rx * rx + ry * ry + 1e-6);
        a11[i] = pd * Ix[i] * Ix[i] + pg * (Ixx[i] * Ixx[i] + Ixy[i] * Ixy[i]);
        a12[i] = pd * Ix[i] * Iy[i] + pg * (Ixx[i] * Ixy[i] + Ixy[i] * Iyy[i]);
        a22[i] = pd * Iy[i] * Iy[i] + pg * (Ixy[i] * Ixy[i] + Iyy[i] * Iyy[i]);
        b1[i] = -(pd * dt[i] * Ix[i] + pg * (Ixz[i] * Ixx[i] + Iyz[i] * Ixy[i]));
        b2[i] = -(pd * dt[i] * Iy[i] + pg * (Ixz[i] * Ixy[i] + Iyz[i] * Iyy[i]));
        // Smoothness weight from forward differences of the current total flow.
        const r = x < w - 1 ? i + 1 : i;
        const d = y < h - 1 ? i + w : i;
        const ux = U[r] - U[i];
        const uy = U[d] - U[i];
        const vx = V[r] - V[i];
        const vy = V[d] - V[i];
        const sm = (0.5 * alpha) / Math.sqrt(ux * ux + uy * uy + vx * vx + vy * vy + 1e-6);
        er[i] = x < w - 1 ? sm : 0;
        ed[i] = y < h - 1 ? sm : 0;
      }
    }
    for (let sweep = 0; sweep < 5; sweep++) {
      for (let i = 0; i < n; i++) {
        const eL = i > 0 ? er[i - 1] : 0;
        const eU = i >= w ? ed[i - w] : 0;
        const eR = er[i];
        const eD = ed[i];
        const ws = eL + eU + eR + eD;
        let su = 0;
        let sv = 0;
        if (eL) { su += eL * U[i - 1]; sv += eL * V[i - 1]; }
        if (eU) { su += eU * U[i - w]; sv += eU * V[i - w]; }
        if (eR) { su += eR * U[i + 1]; sv += eR * V[i + 1]; }
        if (eD) { su += eD * U[i + w]; sv += eD * V[i + w]; }
        const nu = u0[i] + (b1[i] + su - ws * u0[i] - a12[i] * (V[i] - v0[i])) / (a11[i] + ws);
        U[i] += omega * (nu - U[i]);
        const nv = v0[i] + (b2[i] + sv - ws * v0[i] - a12[i] * (U[i] - u0[i])) / (a22[i] + ws);
        V[i] += omega * (nv - V[i]);
      }
    }
  }
}

/** Dense flow from frame a to frame b (a(x) ~ b(x + flow(x))) by DIS; both frames the same size. */
export function estimateFlowDis(a: RgbImage, b: RgbImage, options: DisOptions = {}): FlowField {
  const o: Required<DisOptions> = { ...DEFAULTS, ...options };
  if (a.width !== b.width || a.height !== b.height) {
    throw new DepthkitError(`optical flow: frames differ in size (${a.width}x${a.height} and ${b.width}x${b.height})`);
  }
  checkGrids('optical flow', a.width, a.height, [a.data, b.data].map((d) => ({ length: d.length, channels: 3 })));
  const zero = (w: number, h: number): FlowField => ({ u: new Float32Array(w * h), v: new Float32Array(w * h), width: w, height: h });
  if (a.width < 2 || a.height < 2) return zero(a.width, a.height);
  // Grey in [0, 255] (the unit OpenCV's DIS works in, which its penalties' constants assume).
  const grey = (img: RgbImage): Plane => {
    const d = toGrey(img);
    for (let i = 0; i < d.length; i++) d[i] *= 255;
    return { data: d, width: img.width, height: img.height };
  };
  const pa = [grey(a)];
  const pb = [grey(b)];
  // Coarsest scale as OpenCV picks it: the longest side about 4 patches there.
  const coarsest = Math.max(o.finestScale, Math.round(Math.log2(Math.max(a.width, a.height) / (4 * o.patch))));
  while (pa.length <= coarsest) {
    const last = pa[pa.length - 1];
    if (Math.min(last.width, last.height) < 2 * Math.max(4, o.patch / 2)) break;
    pa.push(halve(last));
    pb.push(halve(pb[pb.length - 1]));
  }
  const top = pa.length - 1;
  const finest = Math.min(o.finestScale, top);
  let flow = zero(pa[top].width, pa[top].height);
  for (let l = top; l >= finest; l--) {
    const sc: Scale = { a: pa[l], b: pb[l], ...gradients(pa[l]) };
    if (flow.width !== sc.a.width || flow.height !== sc.a.height) flow = resizeField(flow, sc.a.width, sc.a.height);
    const ps = Math.min(o.patch, sc.a.width, sc.a.height);
    flow = densify(sc, patchSearch(sc, flow, o), ps);
    if (o.refineIterations > 0) refine(sc, flow, o);
  }
  return flow.width === a.width && flow.height === a.height ? flow : resizeField(flow, a.width, a.height);
}

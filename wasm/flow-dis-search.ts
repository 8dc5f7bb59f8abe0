// AssemblyScript source of the WebAssembly build of DIS's patch inverse search and densification (the TypeScript
// of src/metrics/flow-dis-search.ts and flow-dis-densify.ts before they moved here; test/wasm keeps it as the
// reference). float64 arithmetic in the TypeScript order, float32 where it stored to a Float32Array, so the patch
// flows and the dense field are bit-identical. Planes are float32 (patch origins int32) at byte offsets the caller
// chose; nothing is allocated here.
import { ld, st } from './planes';

/** Bilinear sample with the coordinates clamped to the image (replicated border): flow-dis-pyramid.ts's `sample`. */
function sample(d: usize, w: i32, h: i32, x: f64, y: f64): f64 {
  const sx = x < 0 ? 0 : x > <f64>(w - 1) ? <f64>(w - 1) : x;
  const sy = y < 0 ? 0 : y > <f64>(h - 1) ? <f64>(h - 1) : y;
  let x0 = <i32>Math.floor(sx);
  let y0 = <i32>Math.floor(sy);
  if (x0 > w - 2) x0 = w - 2;
  if (y0 > h - 2) y0 = h - 2;
  const fx = sx - <f64>x0;
  const fy = sy - <f64>y0;
  const j = y0 * w + x0;
  const top = ld(d, j) + fx * (ld(d, j + 1) - ld(d, j));
  const bottom = ld(d, j + w) + fx * (ld(d, j + w + 1) - ld(d, j + w));
  return top + fy * (bottom - top);
}

/** b's patch at (px, py) moved by (u, v), bilinear, into `out` (float32); the clamped path only past the border. */
function warpPatch(d: usize, w: i32, h: i32, px: i32, py: i32, ps: i32, u: f64, v: f64, out: usize): void {
  const sx = <f64>px + u;
  const sy = <f64>py + v;
  const fx0 = Math.floor(sx);
  const fy0 = Math.floor(sy);
  if (fx0 < 0 || fy0 < 0 || fx0 + <f64>ps >= <f64>w || fy0 + <f64>ps >= <f64>h) {
    let q = 0;
    for (let y = 0; y < ps; y++) for (let x = 0; x < ps; x++, q++) st(out, q, sample(d, w, h, sx + <f64>x, sy + <f64>y));
    return;
  }
  const x0 = <i32>fx0;
  const y0 = <i32>fy0;
  const fx = sx - fx0;
  const fy = sy - fy0;
  const w00 = (1 - fx) * (1 - fy);
  const w01 = fx * (1 - fy);
  const w10 = (1 - fx) * fy;
  const w11 = fx * fy;
  let q = 0;
  for (let y = 0; y < ps; y++) {
    let j = (y0 + y) * w + x0;
    for (let x = 0; x < ps; x++, q++, j++) st(out, q, w00 * ld(d, j) + w01 * ld(d, j + 1) + w10 * ld(d, j + w) + w11 * ld(d, j + w + 1));
  }
}

// The residual sums of the last `residual` call: sum d, sum d^2, sum d gx, sum d gy.
let s0: f64 = 0, s1: f64 = 0, s2: f64 = 0, s3: f64 = 0;

function residual(A: usize, GX: usize, GY: usize, w: i32, px: i32, py: i32, ps: i32, wb: usize): void {
  let sum: f64 = 0, sq: f64 = 0, bx: f64 = 0, by: f64 = 0;
  let q = 0;
  for (let y = 0; y < ps; y++) {
    let r = (py + y) * w + px;
    for (let x = 0; x < ps; x++, q++, r++) {
      const d = ld(wb, q) - ld(A, r);
      sum += d;
      sq += d * d;
      bx += d * ld(GX, r);
      by += d * ld(GY, r);
    }
  }
  s0 = sum; s1 = sq; s2 = bx; s3 = by;
}

/**
 * Sparse patch flows of one scale: planes a, b, gx, gy (w x h float32); xs (nx int32), ys (ny int32) the patch
 * origins; u, v (nx ny float32) hold the start flows and receive the result; u0, v0 a copy of the start; hs (5 nx ny
 * float32) scratch for the Hessians; wb (ps ps float32) scratch; iters Gauss-Newton iterations a pass.
 */
export function search(a: usize, b: usize, gx: usize, gy: usize, w: i32, h: i32, xs: usize, ys: usize, nx: i32, ny: i32,
  ps: i32, iters: i32, u: usize, v: usize, u0: usize, v0: usize, hs: usize, wb: usize): void {
  const np = nx * ny;
  const n = <f64>(ps * ps);
  const hxx = hs, hxy = hs + (<usize>np << 2), hyy = hs + (<usize>(2 * np) << 2), mxs = hs + (<usize>(3 * np) << 2), mys = hs + (<usize>(4 * np) << 2);
  let k = 0;
  for (let j = 0; j < ny; j++) {
    for (let i = 0; i < nx; i++, k++) {
      let sxx: f64 = 0, sxy: f64 = 0, syy: f64 = 0, sx: f64 = 0, sy: f64 = 0;
      for (let y = 0; y < ps; y++) {
        const row = (load<i32>(ys + (<usize>j << 2)) + y) * w + load<i32>(xs + (<usize>i << 2));
        for (let x = 0; x < ps; x++) {
          const ix = ld(gx, row + x);
          const iy = ld(gy, row + x);
          sxx += ix * ix; sxy += ix * iy; syy += iy * iy; sx += ix; sy += iy;
        }
      }
      st(hxx, k, sxx - (sx * sx) / n);
      st(hxy, k, sxy - (sx * sy) / n);
      st(hyy, k, syy - (sy * sy) / n);
      st(mxs, k, sx / n);
      st(mys, k, sy / n);
    }
  }
  const passes = 2;
  for (let pass = 0; pass < passes; pass++) {
    const dir = pass % 2 === 0 ? 1 : -1;
    for (let jj = 0; jj < ny; jj++) {
      const j = dir > 0 ? jj : ny - 1 - jj;
      for (let ii = 0; ii < nx; ii++) {
        const i = dir > 0 ? ii : nx - 1 - ii;
        const k = j * nx + i;
        const px = load<i32>(xs + (<usize>i << 2));
        const py = load<i32>(ys + (<usize>j << 2));
        warpPatch(b, w, h, px, py, ps, ld(u, k), ld(v, k), wb);
        residual(a, gx, gy, w, px, py, ps, wb);
        let best = s1 - (s0 * s0) / n;
        let t0 = s0, t1 = s1, t2 = s2, t3 = s3;
        const left = i - dir;
        if (left >= 0 && left < nx) {
          const m = k - dir;
          warpPatch(b, w, h, px, py, ps, ld(u, m), ld(v, m), wb);
          residual(a, gx, gy, w, px, py, ps, wb);
          const cost = s1 - (s0 * s0) / n;
          if (cost < best) {
            best = cost;
            st(u, k, ld(u, m));
            st(v, k, ld(v, m));
            t0 = s0; t1 = s1; t2 = s2; t3 = s3;
          }
        }
        const up = j - dir;
        if (up >= 0 && up < ny) {
          const m = k - dir * nx;
          warpPatch(b, w, h, px, py, ps, ld(u, m), ld(v, m), wb);
          residual(a, gx, gy, w, px, py, ps, wb);
          if (s1 - (s0 * s0) / n < best) {
            st(u, k, ld(u, m));
            st(v, k, ld(v, m));
            t0 = s0; t1 = s1; t2 = s2; t3 = s3;
          }
        }
        // Gauss-Newton from the chosen start (descend in flow-dis-search.ts).
        const eps = 1e-3 * n;
        const a11 = ld(hxx, k) + eps;
        const a22 = ld(hyy, k) + eps;
        const a12 = ld(hxy, k);
        const det = a11 * a22 - a12 * a12;
        const mx = ld(mxs, k);
        const my = ld(mys, k);
        let bestc = Infinity;
        let bu = ld(u, k);
        let bv = ld(v, k);
        let cu = bu;
        let cv = bv;
        s0 = t0; s1 = t1; s2 = t2; s3 = t3;
        for (let it = 0; it <= iters; it++) {
          if (it > 0) {
            warpPatch(b, w, h, px, py, ps, cu, cv, wb);
            residual(a, gx, gy, w, px, py, ps, wb);
          }
          const sum = s0;
          const cost = s1 - (sum * sum) / n;
          if (cost >= bestc) break;
          bestc = cost;
          bu = cu;
          bv = cv;
          if (it === iters) break;
          const bx = s2 - sum * mx;
          const by = s3 - sum * my;
          const du = (a22 * bx - a12 * by) / det;
          const dv = (a11 * by - a12 * bx) / det;
          cu -= du;
          cv -= dv;
          if (du * du + dv * dv < 1e-4) break;
        }
        const eu = bu - ld(u0, k);
        const ev = bv - ld(v0, k);
        if (Math.sqrt(eu * eu + ev * ev) > <f64>ps) {
          bu = ld(u0, k);
          bv = ld(v0, k);
        }
        st(u, k, bu);
        st(v, k, bv);
      }
    }
  }
}

/**
 * Densification: du, dv, wsum (w h float32, zeroed by the caller) receive the weighted mean of the flows (pu, pv) of
 * the patches covering each pixel, weighted by 1 / max(1, |b(x + f) - a(x)|).
 */
export function densify(a: usize, b: usize, w: i32, h: i32, xs: usize, ys: usize, nx: i32, ny: i32, ps: i32,
  pu: usize, pv: usize, du: usize, dv: usize, wsum: usize, wb: usize): void {
  for (let j = 0; j < ny; j++) {
    const py = load<i32>(ys + (<usize>j << 2));
    for (let i = 0; i < nx; i++) {
      const k = j * nx + i;
      const fu = ld(pu, k);
      const fv = ld(pv, k);
      const px = load<i32>(xs + (<usize>i << 2));
      warpPatch(b, w, h, px, py, ps, fu, fv, wb);
      let r = 0;
      for (let y = 0; y < ps; y++) {
        let q = (py + y) * w + px;
        for (let x = 0; x < ps; x++, r++, q++) {
          const diff = Math.abs(ld(wb, r) - ld(a, q));
          const wt = 1 / (diff > 1 ? diff : 1);
          st(du, q, ld(du, q) + wt * fu);
          st(dv, q, ld(dv, q) + wt * fv);
          st(wsum, q, ld(wsum, q) + wt);
        }
      }
    }
  }
  const n = w * h;
  for (let q = 0; q < n; q++) {
    const s = ld(wsum, q);
    if (s > 0) {
      st(du, q, ld(du, q) / s);
      st(dv, q, ld(dv, q) / s);
    }
  }
}

// AssemblyScript source of the WebAssembly build of DIS's patch inverse search and densification. The patch warp and
// the residual sums, where the search spends its time, run in float32 four pixels at a time (WebAssembly SIMD); the
// rest is float64 with float32 stores. test/wasm/flow-dis-search-reference.ts does the same operations one at a time
// in the same order, and the patch flows and the dense field are bit-identical to it. Planes are float32 (patch origins
// int32) at byte offsets the caller chose, the warped-patch scratch `wb` holds ps rows of stride4(ps) floats, and the
// planes are followed by spare memory that a patch row's last vector may read past the image; nothing is allocated.
import { ld, st } from './planes';

const LANE = i32x4(0, 1, 2, 3);

/** Row stride of a warped patch in `wb`: the patch's side rounded up to whole vectors. */
function stride4(ps: i32): i32 {
  return (ps + 3) & ~3;
}

/** Lanes of the vector at column xq of a patch row that lie inside the patch (ps columns). */
function inside(xq: i32, ps: i32): v128 {
  return i32x4.lt_s(i32x4.add(i32x4.splat(xq), LANE), i32x4.splat(ps));
}

/**
 * b's patch at (px, py) moved by (u, v), bilinear, into `out` (float32, row stride `stride4(ps)`). Inside the image,
 * four pixels at a time in float32 with the four weights shared by the patch; patches reaching past the border take
 * the clamped path (float64 `sample`, rounded). The scratch `out` holds the patch and the clamped path's taps
 * (`warpedPatchBytes` in src/metrics/flow-dis-search.ts).
 */
function warpPatch(d: usize, w: i32, h: i32, px: i32, py: i32, ps: i32, u: f64, v: f64, out: usize): void {
  const sx = <f64>px + u;
  const sy = <f64>py + v;
  const fx0 = Math.floor(sx);
  const fy0 = Math.floor(sy);
  const s4 = stride4(ps);
  if (fx0 < 0 || fy0 < 0 || fx0 + <f64>ps >= <f64>w || fy0 + <f64>ps >= <f64>h) {
    warpClamped(d, w, h, sx, sy, ps, out);
    return;
  }
  const fx = sx - fx0;
  const fy = sy - fy0;
  const c00 = f32x4.splat(<f32>((1 - fx) * (1 - fy)));
  const c01 = f32x4.splat(<f32>(fx * (1 - fy)));
  const c10 = f32x4.splat(<f32>((1 - fx) * fy));
  const c11 = f32x4.splat(<f32>(fx * fy));
  const row = <usize>w << 2;
  for (let y = 0; y < ps; y++) {
    const src = d + (<usize>((<i32>fy0 + y) * w + <i32>fx0) << 2);
    const dst = out + (<usize>(y * s4) << 2);
    for (let xq = 0; xq < ps; xq += 4) {
      const p = src + (<usize>xq << 2);
      const top = f32x4.add(f32x4.mul(c00, v128.load(p)), f32x4.mul(c01, v128.load(p, 4)));
      const all = f32x4.add(f32x4.add(top, f32x4.mul(c10, v128.load(p + row))), f32x4.mul(c11, v128.load(p + row, 4)));
      v128.store(dst + (<usize>xq << 2), all);
    }
  }
}

/** `sample`'s tap of coordinate c on an axis of `size` pixels: clamped to the axis, its weight at fo, its left / upper index at io. */
function axisTap(c: f64, size: i32, fo: usize, io: usize): void {
  const cc = c < 0 ? 0 : c > <f64>(size - 1) ? <f64>(size - 1) : c;
  let i0 = <i32>Math.floor(cc);
  if (i0 > size - 2) i0 = size - 2;
  store<f64>(fo, cc - <f64>i0);
  store<i32>(io, i0);
}

/**
 * The clamped path of warpPatch: `sample` at every pixel of the patch, with its column and row taps (clamped
 * coordinate, left / upper tap, weight) computed once a column and once a row, in the scratch after the patch.
 */
function warpClamped(d: usize, w: i32, h: i32, sx: f64, sy: f64, ps: i32, out: usize): void {
  const s4 = stride4(ps);
  const fxs = out + (<usize>(ps * s4) << 2);
  const fys = fxs + (<usize>ps << 3);
  const x0s = fys + (<usize>ps << 3);
  const y0s = x0s + (<usize>ps << 2);
  for (let k = 0; k < ps; k++) {
    axisTap(sx + <f64>k, w, fxs + (<usize>k << 3), x0s + (<usize>k << 2));
    axisTap(sy + <f64>k, h, fys + (<usize>k << 3), y0s + (<usize>k << 2));
  }
  for (let y = 0; y < ps; y++) {
    const fy = load<f64>(fys + (<usize>y << 3));
    const r = load<i32>(y0s + (<usize>y << 2)) * w;
    for (let x = 0; x < ps; x++) {
      const fx = load<f64>(fxs + (<usize>x << 3));
      const j = r + load<i32>(x0s + (<usize>x << 2));
      const top = ld(d, j) + fx * (ld(d, j + 1) - ld(d, j));
      const bottom = ld(d, j + w) + fx * (ld(d, j + w + 1) - ld(d, j + w));
      st(out, y * s4 + x, top + fy * (bottom - top));
    }
  }
}

// The residual sums of the last `residual` call: sum d, sum d^2, sum d gx, sum d gy.
let s0: f64 = 0, s1: f64 = 0, s2: f64 = 0, s3: f64 = 0;

/** The four lanes of a float32 vector summed left to right. */
function lanes(x: v128): f64 {
  return <f64>(f32x4.extract_lane(x, 0) + f32x4.extract_lane(x, 1) + f32x4.extract_lane(x, 2) + f32x4.extract_lane(x, 3));
}

/**
 * Sums over the patch of d = wb - a (wb: b's warped patch) in float32, four columns at a time: each lane sums the
 * columns x with x % 4 its index, row by row; the lanes are added at the end.
 */
function residual(A: usize, GX: usize, GY: usize, w: i32, px: i32, py: i32, ps: i32, wb: usize): void {
  let sum = f32x4.splat(0), sq = f32x4.splat(0), bx = f32x4.splat(0), by = f32x4.splat(0);
  const s4 = stride4(ps);
  for (let y = 0; y < ps; y++) {
    const r = <usize>((py + y) * w + px) << 2;
    const q = wb + (<usize>(y * s4) << 2);
    for (let xq = 0; xq < ps; xq += 4) {
      const o = <usize>xq << 2;
      let d = f32x4.sub(v128.load(q + o), v128.load(A + r + o));
      let gx = v128.load(GX + r + o);
      let gy = v128.load(GY + r + o);
      if (xq + 4 > ps) {
        // Columns past the patch add 0 (whatever the memory there holds).
        const m = inside(xq, ps);
        d = v128.and(d, m);
        gx = v128.and(gx, m);
        gy = v128.and(gy, m);
      }
      sum = f32x4.add(sum, d);
      sq = f32x4.add(sq, f32x4.mul(d, d));
      bx = f32x4.add(bx, f32x4.mul(d, gx));
      by = f32x4.add(by, f32x4.mul(d, gy));
    }
  }
  s0 = lanes(sum); s1 = lanes(sq); s2 = lanes(bx); s3 = lanes(by);
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
 * the patches covering each pixel, weighted by 1 / max(1, |b(x + f) - a(x)|): float32, four pixels of a patch row at
 * a time (columns past the patch get weight 0 and keep their sums).
 */
export function densify(a: usize, b: usize, w: i32, h: i32, xs: usize, ys: usize, nx: i32, ny: i32, ps: i32,
  pu: usize, pv: usize, du: usize, dv: usize, wsum: usize, wb: usize): void {
  const s4 = stride4(ps);
  const one = f32x4.splat(1);
  for (let j = 0; j < ny; j++) {
    const py = load<i32>(ys + (<usize>j << 2));
    for (let i = 0; i < nx; i++) {
      const k = j * nx + i;
      const fu = load<f32>(pu + (<usize>k << 2));
      const fv = load<f32>(pv + (<usize>k << 2));
      const px = load<i32>(xs + (<usize>i << 2));
      warpPatch(b, w, h, px, py, ps, <f64>fu, <f64>fv, wb);
      const vu = f32x4.splat(fu);
      const vv = f32x4.splat(fv);
      for (let y = 0; y < ps; y++) {
        const q = <usize>((py + y) * w + px) << 2;
        const r = wb + (<usize>(y * s4) << 2);
        for (let xq = 0; xq < ps; xq += 4) {
          const o = <usize>xq << 2;
          let wt = f32x4.div(one, f32x4.max(f32x4.abs(f32x4.sub(v128.load(r + o), v128.load(a + q + o))), one));
          if (xq + 4 > ps) wt = v128.and(wt, inside(xq, ps));
          v128.store(du + q + o, f32x4.add(v128.load(du + q + o), f32x4.mul(wt, vu)));
          v128.store(dv + q + o, f32x4.add(v128.load(dv + q + o), f32x4.mul(wt, vv)));
          v128.store(wsum + q + o, f32x4.add(v128.load(wsum + q + o), wt));
        }
      }
    }
  }
  const n = w * h;
  for (let q = 0; q < n; q++) {
    const s = load<f32>(wsum + (<usize>q << 2));
    if (s > 0) {
      store<f32>(du + (<usize>q << 2), load<f32>(du + (<usize>q << 2)) / s);
      store<f32>(dv + (<usize>q << 2), load<f32>(dv + (<usize>q << 2)) / s);
    }
  }
}

// AssemblyScript source of the WebAssembly build of DIS's per-pixel image work: grey conversion, the area pyramid,
// gradients, the refinement's data terms and the flow's resampling between scales (src/metrics/flow-dis-pyramid.ts
// and flow-dis-refine.ts call them). float64 arithmetic in the order of the TypeScript kept as the reference in
// test/wasm/flow-dis-pyramid-reference.ts, float32 where it stores to a Float32Array, so the planes are bit-identical.
// Planes are float32 at byte offsets the caller chose; nothing is allocated here.
import { ld, sample, st } from './planes';

/** Rec. 601 luma of n RGB pixels (bytes at rgb), rounded to float32 in [0, 1] as toGrey stores it, times 255. */
export function grey(rgb: usize, n: i32, out: usize): void {
  for (let i = 0; i < n; i++) {
    const j = rgb + <usize>(3 * i);
    const l = (0.299 * <f64>load<u8>(j) + 0.587 * <f64>load<u8>(j, 1) + 0.114 * <f64>load<u8>(j, 2)) / 255;
    st(out, i, <f64><f32>l * 255);
  }
}

/** A w x h plane halved by 2x2 area averaging into out ((w >> 1) x (h >> 1); an odd last row or column dropped). */
export function halve(s: usize, w: i32, h: i32, out: usize): void {
  const ow = w >> 1;
  const oh = h >> 1;
  for (let y = 0; y < oh; y++) {
    const r0 = 2 * y * w;
    const r1 = r0 + w;
    for (let x = 0; x < ow; x++) {
      st(out, y * ow + x, 0.25 * (ld(s, r0 + 2 * x) + ld(s, r0 + 2 * x + 1) + ld(s, r1 + 2 * x) + ld(s, r1 + 2 * x + 1)));
    }
  }
}

/** Sobel gradients divided by 8, replicated borders. */
export function sobel(d: usize, w: i32, h: i32, gx: usize, gy: usize): void {
  for (let y = 0; y < h; y++) {
    const up = (y > 0 ? y - 1 : 0) * w;
    const mid = y * w;
    const dn = (y < h - 1 ? y + 1 : y) * w;
    for (let x = 0; x < w; x++) {
      const l = x > 0 ? x - 1 : 0;
      const r = x < w - 1 ? x + 1 : x;
      st(gx, mid + x, (ld(d, up + r) - ld(d, up + l) + 2 * (ld(d, mid + r) - ld(d, mid + l)) + ld(d, dn + r) - ld(d, dn + l)) / 8);
      st(gy, mid + x, (ld(d, dn + l) - ld(d, up + l) + 2 * (ld(d, dn + x) - ld(d, up + x)) + ld(d, dn + r) - ld(d, up + r)) / 8);
    }
  }
}

/** Central differences along x and y into dx, dy (one-sided at the borders). */
function centralDiff(d: usize, w: i32, h: i32, dx: usize, dy: usize): void {
  for (let y = 0; y < h; y++) {
    const up = (y > 0 ? y - 1 : 0) * w;
    const dn = (y < h - 1 ? y + 1 : y) * w;
    const row = y * w;
    const sy: f64 = dn - up > w ? 2 : 1;
    for (let x = 0; x < w; x++) {
      const l = x > 0 ? x - 1 : 0;
      const r = x < w - 1 ? x + 1 : x;
      st(dx, row + x, (ld(d, row + r) - ld(d, row + l)) / (r - l > 1 ? 2 : 1));
      st(dy, row + x, (ld(d, dn + x) - ld(d, up + x)) / sy);
    }
  }
}

/**
 * The refinement's linearised data terms at flow (u, v): b warped by it and a, both in [0, 1], give avg (their mean)
 * and dt (their difference); ix, iy are avg's derivatives, ixx, ixy, iyx, iyy ix's and iy's, ixz, iyz dt's.
 */
export function dataTerms(a: usize, b: usize, u: usize, v: usize, w: i32, h: i32, avg: usize, dt: usize,
  ix: usize, iy: usize, ixx: usize, ixy: usize, iyx: usize, iyy: usize, ixz: usize, iyz: usize): void {
  let i = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++, i++) {
      const warped = <f64><f32>(sample(b, w, h, <f64>x + ld(u, i), <f64>y + ld(v, i)) / 255);
      const ai = ld(a, i) / 255;
      st(avg, i, 0.5 * (ai + warped));
      st(dt, i, warped - ai);
    }
  }
  centralDiff(avg, w, h, ix, iy);
  centralDiff(ix, w, h, ixx, ixy);
  centralDiff(iy, w, h, iyx, iyy);
  centralDiff(dt, w, h, ixz, iyz);
}

/**
 * A sw x sh field (u, v) resampled to W x H into (ou, ov): bilinear, pixel centres aligned, replicated border, vectors
 * scaled with the size. Scratch: x0s (W int32), fxs (W float64), hu, hv (sh W float64: source rows interpolated along
 * x, made on first use), made (sh bytes, zeroed by the caller).
 */
export function resize(u: usize, v: usize, sw: i32, sh: i32, W: i32, H: i32, ou: usize, ov: usize,
  x0s: usize, fxs: usize, hu: usize, hv: usize, made: usize): void {
  const kx = <f64>W / <f64>sw;
  const ky = <f64>H / <f64>sh;
  for (let x = 0; x < W; x++) {
    const sx = sourceAt(x, kx, sw);
    const x0 = tapOf(sx, sw);
    store<i32>(x0s + (<usize>x << 2), x0);
    store<f64>(fxs + (<usize>x << 3), sx - <f64>x0);
  }
  const stepX = sw > 1 ? 1 : 0;
  let i = 0;
  for (let y = 0; y < H; y++) {
    const sy = sourceAt(y, ky, sh);
    const y0 = tapOf(sy, sh);
    const y1 = sh > 1 ? y0 + 1 : y0;
    const fy = sy - <f64>y0;
    alongX(u, v, sw, W, y0, x0s, fxs, hu, hv, made, stepX);
    alongX(u, v, sw, W, y1, x0s, fxs, hu, hv, made, stepX);
    const t = hu + (<usize>(y0 * W) << 3), b = hu + (<usize>(y1 * W) << 3);
    const tv = hv + (<usize>(y0 * W) << 3), bv = hv + (<usize>(y1 * W) << 3);
    for (let x = 0; x < W; x++, i++) {
      const o = <usize>x << 3;
      const ht = load<f64>(t + o);
      const vt = load<f64>(tv + o);
      st(ou, i, kx * (ht + fy * (load<f64>(b + o) - ht)));
      st(ov, i, ky * (vt + fy * (load<f64>(bv + o) - vt)));
    }
  }
}

/** Where output pixel d samples a source axis of `size` pixels scaled by k: half-pixel centres, clamped to the axis. */
function sourceAt(d: i32, k: f64, size: i32): f64 {
  const s = (<f64>d + 0.5) / k - 0.5;
  const lo = s > 0 ? s : 0;
  return lo < <f64>(size - 1) ? lo : <f64>(size - 1);
}

/** The left / upper tap of source coordinate s on an axis of `size` pixels (its pair is the next pixel, or itself). */
function tapOf(s: f64, size: i32): i32 {
  const last = size - 2 > 0 ? size - 2 : 0;
  const t = <i32>Math.floor(s);
  return t > last ? last : t;
}

/** Source row r of (u, v) interpolated along x at the W output columns into hu, hv, unless made already. */
function alongX(u: usize, v: usize, sw: i32, W: i32, r: i32, x0s: usize, fxs: usize, hu: usize, hv: usize, made: usize, stepX: i32): void {
  if (load<u8>(made + <usize>r)) return;
  store<u8>(made + <usize>r, 1);
  const j = r * sw;
  const o = <usize>(r * W) << 3;
  for (let x = 0; x < W; x++) {
    const k = j + load<i32>(x0s + (<usize>x << 2));
    const fx = load<f64>(fxs + (<usize>x << 3));
    const uk = ld(u, k);
    const vk = ld(v, k);
    store<f64>(hu + o + (<usize>x << 3), uk + fx * (ld(u, k + stepX) - uk));
    store<f64>(hv + o + (<usize>x << 3), vk + fx * (ld(v, k + stepX) - vk));
  }
}

/**
 * An RGB image (bytes at rgb, sw wide) area-averaged to W x H bytes at out. Each axis's taps come flat from the caller
 * (flow-pair.ts's areaTaps): output column x reads source columns ci[cs[x] .. cs[x + 1]) (int32) with weights cw
 * (float64), rows likewise (rs, ri, rw). Sums in float64, rounded half up as Math.round does.
 */
export function shrinkRgb(rgb: usize, sw: i32, W: i32, H: i32, cs: usize, ci: usize, cw: usize, rs: usize, ri: usize, rw: usize, out: usize): void {
  let o = out;
  for (let y = 0; y < H; y++) {
    const p0 = load<i32>(rs + (<usize>y << 2));
    const p1 = load<i32>(rs + (<usize>(y + 1) << 2));
    for (let x = 0; x < W; x++, o += 3) {
      const q0 = load<i32>(cs + (<usize>x << 2));
      const q1 = load<i32>(cs + (<usize>(x + 1) << 2));
      let r: f64 = 0;
      let g: f64 = 0;
      let b: f64 = 0;
      for (let p = p0; p < p1; p++) {
        const row = load<i32>(ri + (<usize>p << 2)) * sw;
        const wy = load<f64>(rw + (<usize>p << 3));
        for (let q = q0; q < q1; q++) {
          const w = wy * load<f64>(cw + (<usize>q << 3));
          const j = rgb + <usize>(3 * (row + load<i32>(ci + (<usize>q << 2))));
          r += w * <f64>load<u8>(j);
          g += w * <f64>load<u8>(j, 1);
          b += w * <f64>load<u8>(j, 2);
        }
      }
      store<u8>(o, roundHalfUp(r));
      store<u8>(o, roundHalfUp(g), 1);
      store<u8>(o, roundHalfUp(b), 2);
    }
  }
}

/** Math.round of a non-negative sum (ties up; the ceiling less one where that is nearer, as V8 computes it). */
function roundHalfUp(x: f64): u8 {
  let c = Math.ceil(x);
  if (c - 0.5 > x) c -= 1;
  return <u8>(<i32>c);
}

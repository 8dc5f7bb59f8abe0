// AssemblyScript source of the WebAssembly build of the DIS variational refinement's solver (the outer iterations of
// src/metrics/flow-dis-refine.ts: penalty weights, then red-black SOR sweeps), in float32 four pixels at a time
// (WebAssembly SIMD), as OpenCV's VariationalRefinement. Every lane does the float32 operations of
// test/wasm/flow-dis-refine-reference.ts in the same order (IEEE operations are exactly rounded in both, and there is
// no fused multiply-add), so the fields are bit-identical to that scalar reference. Memory holds float32 planes at
// byte offsets the caller chose, each followed by 16 spare floats that the last vector of a row may read or write
// (the caller zeroes them); nothing is allocated here.

const OMEGA: f32 = 1.6;
const SWEEPS: i32 = 5;
const EPS: f32 = 1e-6;
const LANE = i32x4(0, 1, 2, 3);

// The SOR sweeps work on each colour's cells packed together (as OpenCV's red-black buffers): for colour c (the
// pixels with (x + y) & 1 == c) and plane j of U, V, eL, eR, eU, eD, K0..K4 (the cell's left, right, upper and lower
// edge weights and its K terms), a compact plane of h + 2 rows of S floats: row y + 1 holds the cells of image row y,
// cell k (x = ((y + c) & 1) + 2k) at column 1 + k; column 0, the columns past the last cell and rows 0 and h + 1 are
// zero, so that the neighbours of a border cell (weight 0) and the lanes past a row's last cell read and keep zeros.
// A cell's neighbours in the other colour: left at column k + o, right at k + 1 + o (o = (y + c) & 1), and above and
// below at column 1 + k of the rows next to it.

/** Floats a row of a compact plane: the cells of the longer colour, the zero column and a vector's overhang. */
export function compactStride(w: i32): i32 {
  return (((w + 1) >> 1) + 8) & ~3;
}

export function compactPlane(w: i32, h: i32): i32 {
  return (h + 2) * compactStride(w);
}

/** Bytes of the 22 compact planes (2 colours x 11). */
export function compactBytes(w: i32, h: i32): i32 {
  return 22 * 4 * compactPlane(w, h);
}

/** Lanes of a row's vector (x, x + 2, x + 4, x + 6 from `first`) inside the row. */
function inRow(first: i32, w: i32): v128 {
  return i32x4.lt_s(i32x4.add(i32x4.splat(first), i32x4(0, 2, 4, 6)), i32x4.splat(w));
}

/** Deals the eight floats at src between the two colours' compact planes j (even pixels to ce, odd to 1 - ce). */
function deal(src: usize, RB: usize, P: i32, j: i32, ce: i32, at: usize, me: v128, mo: v128): void {
  const a = v128.load(src);
  const b = v128.load(src, 16);
  v128.store(RB + ((<usize>((ce * 11 + j) * P)) << 2) + at, v128.and(v128.shuffle<f32>(a, b, 0, 2, 4, 6), me));
  v128.store(RB + ((<usize>(((1 - ce) * 11 + j) * P)) << 2) + at, v128.and(v128.shuffle<f32>(a, b, 1, 3, 5, 7), mo));
}

/** U, V, the edge weights and K of every pixel into the colours' compact planes. */
function split(w: i32, h: i32, U: usize, V: usize, er: usize, ed: usize, K0: usize, K1: usize, K2: usize, K3: usize, K4: usize, RB: usize): void {
  const S = compactStride(w);
  const P = compactPlane(w, h);
  const pad = <usize>(w + 1) << 2;
  const row = <usize>w << 2;
  for (let y = 0; y < h; y++) {
    const ce = y & 1;
    for (let x = 0; x < w; x += 8) {
      const me = inRow(x, w);
      const mo = inRow(x + 1, w);
      const i = <usize>(y * w + x) << 2;
      const p = pad + i;
      const at = (<usize>((y + 1) * S + 1 + (x >> 1))) << 2;
      deal(U + p, RB, P, 0, ce, at, me, mo);
      deal(V + p, RB, P, 1, ce, at, me, mo);
      deal(er + p - 4, RB, P, 2, ce, at, me, mo);
      deal(er + p, RB, P, 3, ce, at, me, mo);
      deal(ed + p - row, RB, P, 4, ce, at, me, mo);
      deal(ed + p, RB, P, 5, ce, at, me, mo);
      deal(K0 + i, RB, P, 6, ce, at, me, mo);
      deal(K1 + i, RB, P, 7, ce, at, me, mo);
      deal(K2 + i, RB, P, 8, ce, at, me, mo);
      deal(K3 + i, RB, P, 9, ce, at, me, mo);
      deal(K4 + i, RB, P, 10, ce, at, me, mo);
    }
  }
}

/** The solved U, V back from the colours' compact planes into the padded image planes. */
function merge(w: i32, h: i32, U: usize, V: usize, RB: usize): void {
  const S = compactStride(w);
  const P = compactPlane(w, h);
  const pad = <usize>(w + 1) << 2;
  for (let y = 0; y < h; y++) {
    const ce = y & 1;
    for (let x = 0; x < w; x += 8) {
      const at = (<usize>((y + 1) * S + 1 + (x >> 1))) << 2;
      const p = pad + (<usize>(y * w + x) << 2);
      for (let j = 0; j < 2; j++) {
        const ev = v128.load(RB + ((<usize>((ce * 11 + j) * P)) << 2) + at);
        const od = v128.load(RB + ((<usize>(((1 - ce) * 11 + j) * P)) << 2) + at);
        const dst = (j === 0 ? U : V) + p;
        v128.store(dst, v128.shuffle<f32>(ev, od, 0, 4, 1, 5));
        v128.store(dst, v128.shuffle<f32>(ev, od, 2, 6, 3, 7), 16);
      }
    }
  }
}

/**
 * Planes (n = w * h float32 each): ix, iy, ixx, ixy, iyy, ixz, iyz, dt (linearised data terms); u0, v0 (the
 * linearisation point); U, V, er, ed (padded: n + 2 * (w + 1); U, V hold the total flow and are solved in place; the
 * padding of er, ed is zero); K (5 planes of n: per pixel, the terms fixed over an outer iteration's sweeps); RB
 * (22 compact planes, `compactBytes`, zeroed by the caller).
 */
export function solve(w: i32, h: i32, iterations: i32, alpha: f64, delta: f64, gamma: f64,
  ix: usize, iy: usize, ixx: usize, ixy: usize, iyy: usize, ixz: usize, iyz: usize, dt: usize,
  u0: usize, v0: usize, U: usize, V: usize, er: usize, ed: usize, K: usize, RB: usize): void {
  const pad = <usize>(w + 1) << 2;
  const row = <usize>w << 2;
  const plane = (<usize>(w * h) + 16) << 2;
  const K0 = K, K1 = K + plane, K2 = K + 2 * plane, K3 = K + 3 * plane, K4 = K + 4 * plane;
  const eps = f32x4.splat(EPS);
  const ha = f32x4.splat(<f32>(0.5 * alpha));
  const hd = f32x4.splat(<f32>(0.5 * delta));
  const hg = f32x4.splat(<f32>(0.5 * gamma));
  const one = f32x4.splat(1);
  const om = f32x4.splat(OMEGA);
  const zero = f32x4.splat(0);
  for (let outer = 0; outer < iterations; outer++) {
    // Edge weights from forward differences of the current total flow (0 past the last column / row).
    for (let y = 0; y < h; y++) {
      const down = y < h - 1;
      for (let x = 0; x < w; x += 4) {
        const xs = i32x4.add(i32x4.splat(x), LANE);
        const right = i32x4.lt_s(xs, i32x4.splat(w - 1));
        const below = down ? i32x4.lt_s(xs, i32x4.splat(w)) : zero;
        const p = U + pad + (<usize>(y * w + x) << 2);
        const q = V + pad + (<usize>(y * w + x) << 2);
        const up = v128.load(p);
        const vp = v128.load(q);
        const ux = v128.and(f32x4.sub(v128.load(p, 4), up), right);
        const uy = v128.and(f32x4.sub(v128.load(p + row), up), below);
        const vx = v128.and(f32x4.sub(v128.load(q, 4), vp), right);
        const vy = v128.and(f32x4.sub(v128.load(q + row), vp), below);
        const s = f32x4.add(f32x4.add(f32x4.add(f32x4.add(f32x4.mul(ux, ux), f32x4.mul(uy, uy)), f32x4.mul(vx, vx)), f32x4.mul(vy, vy)), eps);
        const sm = f32x4.div(ha, f32x4.sqrt(s));
        const e = pad + (<usize>(y * w + x) << 2);
        v128.store(er + e, v128.and(sm, right));
        v128.store(ed + e, v128.and(sm, below));
      }
    }
    // Per pixel: with ws the sum of its four edge weights, the Jacobi value of U is
    // u0 + (b1 - ws u0 + a12 v0 + su - a12 V) / (a11 + ws) = K2 + (su - K4 V) K0, and V's likewise.
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x += 4) {
        const i = <usize>(y * w + x) << 2;
        const e = pad + i;
        const ws = f32x4.add(f32x4.add(f32x4.add(v128.load(er + e - 4), v128.load(ed + e - row)), v128.load(er + e)), v128.load(ed + e));
        const ui = v128.load(u0 + i);
        const vi = v128.load(v0 + i);
        const du = f32x4.sub(v128.load(U + e), ui);
        const dv = f32x4.sub(v128.load(V + e), vi);
        const gx = v128.load(ix + i), gy = v128.load(iy + i), gxx = v128.load(ixx + i), gxy = v128.load(ixy + i);
        const gyy = v128.load(iyy + i), gxz = v128.load(ixz + i), gyz = v128.load(iyz + i), it = v128.load(dt + i);
        const rd = f32x4.add(f32x4.add(it, f32x4.mul(gx, du)), f32x4.mul(gy, dv));
        const rx = f32x4.add(f32x4.add(gxz, f32x4.mul(gxx, du)), f32x4.mul(gxy, dv));
        const ry = f32x4.add(f32x4.add(gyz, f32x4.mul(gxy, du)), f32x4.mul(gyy, dv));
        const pd = f32x4.div(hd, f32x4.sqrt(f32x4.add(f32x4.mul(rd, rd), eps)));
        const pg = f32x4.div(hg, f32x4.sqrt(f32x4.add(f32x4.add(f32x4.mul(rx, rx), f32x4.mul(ry, ry)), eps)));
        const pdx = f32x4.mul(pd, gx);
        const pdy = f32x4.mul(pd, gy);
        const pdt = f32x4.mul(pd, it);
        const a11 = f32x4.add(f32x4.mul(pdx, gx), f32x4.mul(pg, f32x4.add(f32x4.mul(gxx, gxx), f32x4.mul(gxy, gxy))));
        const a12 = f32x4.add(f32x4.mul(pdx, gy), f32x4.mul(pg, f32x4.add(f32x4.mul(gxx, gxy), f32x4.mul(gxy, gyy))));
        const a22 = f32x4.add(f32x4.mul(pdy, gy), f32x4.mul(pg, f32x4.add(f32x4.mul(gxy, gxy), f32x4.mul(gyy, gyy))));
        const b1 = f32x4.neg(f32x4.add(f32x4.mul(pdt, gx), f32x4.mul(pg, f32x4.add(f32x4.mul(gxz, gxx), f32x4.mul(gyz, gxy)))));
        const b2 = f32x4.neg(f32x4.add(f32x4.mul(pdt, gy), f32x4.mul(pg, f32x4.add(f32x4.mul(gxz, gxy), f32x4.mul(gyz, gyy)))));
        const r11 = f32x4.div(one, f32x4.add(a11, ws));
        const r22 = f32x4.div(one, f32x4.add(a22, ws));
        v128.store(K0 + i, r11);
        v128.store(K1 + i, r22);
        v128.store(K2 + i, f32x4.add(ui, f32x4.mul(f32x4.add(f32x4.sub(b1, f32x4.mul(ws, ui)), f32x4.mul(a12, vi)), r11)));
        v128.store(K3 + i, f32x4.add(vi, f32x4.mul(f32x4.add(f32x4.sub(b2, f32x4.mul(ws, vi)), f32x4.mul(a12, ui)), r22)));
        v128.store(K4 + i, a12);
      }
    }
    split(w, h, U, V, er, ed, K0, K1, K2, K3, K4, RB);
    // Red-black SOR (a pixel's four neighbours are all of the other colour, so one colour's updates are independent),
    // on the colours' compact planes: four cells a step, every neighbour a contiguous load.
    const S = compactStride(w);
    const P = compactPlane(w, h);
    for (let sweep = 0; sweep < SWEEPS; sweep++) {
      for (let colour = 0; colour < 2; colour++) {
        const me = RB + ((<usize>(colour * 11 * P)) << 2);
        const other = RB + ((<usize>((1 - colour) * 11 * P)) << 2);
        const pl = <usize>P << 2;
        for (let y = 0; y < h; y++) {
          const o = (y + colour) & 1;
          const cells = (w - o + 1) >> 1;
          for (let k = 0; k < cells; k += 4) {
            const c = (<usize>((y + 1) * S + 1 + k)) << 2;
            const up = c - (<usize>S << 2);
            const dn = c + (<usize>S << 2);
            const left = c + (<usize>(o - 1) << 2);
            const right = c + (<usize>o << 2);
            const eL = v128.load(me + 2 * pl + c), eR = v128.load(me + 3 * pl + c);
            const eU = v128.load(me + 4 * pl + c), eD = v128.load(me + 5 * pl + c);
            const uc = v128.load(me + c);
            const vc = v128.load(me + pl + c);
            const su = f32x4.add(f32x4.add(f32x4.add(f32x4.mul(eL, v128.load(other + left)), f32x4.mul(eU, v128.load(other + up))),
              f32x4.mul(eR, v128.load(other + right))), f32x4.mul(eD, v128.load(other + dn)));
            const sv = f32x4.add(f32x4.add(f32x4.add(f32x4.mul(eL, v128.load(other + pl + left)), f32x4.mul(eU, v128.load(other + pl + up))),
              f32x4.mul(eR, v128.load(other + pl + right))), f32x4.mul(eD, v128.load(other + pl + dn)));
            const a12 = v128.load(me + 10 * pl + c);
            const cu = f32x4.add(uc, f32x4.mul(om, f32x4.sub(f32x4.add(v128.load(me + 8 * pl + c), f32x4.mul(f32x4.sub(su, f32x4.mul(a12, vc)), v128.load(me + 6 * pl + c))), uc)));
            const cv = f32x4.add(vc, f32x4.mul(om, f32x4.sub(f32x4.add(v128.load(me + 9 * pl + c), f32x4.mul(f32x4.sub(sv, f32x4.mul(a12, cu)), v128.load(me + 7 * pl + c))), vc)));
            v128.store(me + c, cu);
            v128.store(me + pl + c, cv);
          }
        }
      }
    }
    merge(w, h, U, V, RB);
  }
}

// AssemblyScript source of the WebAssembly build of the DIS variational refinement's solver (the outer iterations of
// src/metrics/flow-dis-refine.ts: penalty weights, then red-black SOR sweeps). Compiled by `npm run build:wasm` to
// dist/wasm/flow-dis.wasm. The arithmetic is the TypeScript path's, in float64 in the same order, with the same
// float32 roundings where that path stores to a Float32Array or calls Math.fround, so both give bit-identical fields.
// Memory holds float32 planes (and one float64 plane, K) at byte offsets the caller chose; nothing is allocated here.
import { ld, st } from './planes';

const OMEGA: f64 = 1.6;
const SWEEPS: i32 = 5;

/**
 * Planes (n = w * h float32 each unless said): ix, iy, ixx, ixy, iyy, ixz, iyz, dt (linearised data terms); u0, v0
 * (the linearisation point); U, V, er, ed (padded: n + 2 * (w + 1) float32; U, V hold the total flow and are solved in
 * place); K (5 n float64, scratch).
 */
export function solve(w: i32, h: i32, iterations: i32, alpha: f64, delta: f64, gamma: f64,
  ix: usize, iy: usize, ixx: usize, ixy: usize, iyy: usize, ixz: usize, iyz: usize, dt: usize,
  u0: usize, v0: usize, U: usize, V: usize, er: usize, ed: usize, K: usize): void {
  const pad = w + 1;
  for (let outer = 0; outer < iterations; outer++) {
    let i = 0;
    for (let y = 0; y < h; y++) {
      const down = y < h - 1 ? w : 0;
      for (let x = 0; x < w; x++, i++) {
        const p = i + pad;
        const ui = ld(u0, i);
        const vi = ld(v0, i);
        const Up = ld(U, p);
        const Vp = ld(V, p);
        const du = Up - ui;
        const dv = Vp - vi;
        const gx = ld(ix, i), gy = ld(iy, i), gxx = ld(ixx, i), gxy = ld(ixy, i), gyy = ld(iyy, i);
        const gxz = ld(ixz, i), gyz = ld(iyz, i), it = ld(dt, i);
        const rd = it + gx * du + gy * dv;
        const rx = gxz + gxx * du + gxy * dv;
        const ry = gyz + gxy * du + gyy * dv;
        const pd = (0.5 * delta) / Math.sqrt(rd * rd + 1e-6);
        const pg = (0.5 * gamma) / Math.sqrt(rx * rx + ry * ry + 1e-6);
        const a11 = <f64><f32>(pd * gx * gx + pg * (gxx * gxx + gxy * gxy));
        const a12 = <f64><f32>(pd * gx * gy + pg * (gxx * gxy + gxy * gyy));
        const a22 = <f64><f32>(pd * gy * gy + pg * (gxy * gxy + gyy * gyy));
        const b1 = <f64><f32>(-(pd * it * gx + pg * (gxz * gxx + gyz * gxy)));
        const b2 = <f64><f32>(-(pd * it * gy + pg * (gxz * gxy + gyz * gyy)));
        const right = x < w - 1 ? 1 : 0;
        const ux = ld(U, p + right) - Up;
        const uy = ld(U, p + down) - Up;
        const vx = ld(V, p + right) - Vp;
        const vy = ld(V, p + down) - Vp;
        const sm = (0.5 * alpha) / Math.sqrt(ux * ux + uy * uy + vx * vx + vy * vy + 1e-6);
        const eR: f64 = right ? <f64><f32>sm : 0;
        const eD: f64 = down ? <f64><f32>sm : 0;
        st(er, p, eR);
        st(ed, p, eD);
        const ws = ld(er, p - 1) + ld(ed, p - w) + eR + eD;
        const r11 = 1 / (a11 + ws);
        const r22 = 1 / (a22 + ws);
        const k = K + (<usize>(5 * i) << 3);
        store<f64>(k, r11);
        store<f64>(k, r22, 8);
        store<f64>(k, ui + (b1 - ws * ui + a12 * vi) * r11, 16);
        store<f64>(k, vi + (b2 - ws * vi + a12 * ui) * r22, 24);
        store<f64>(k, a12, 32);
      }
    }
    for (let sweep = 0; sweep < SWEEPS; sweep++) {
      for (let colour = 0; colour < 2; colour++) {
        for (let y = 0; y < h; y++) {
          const x0 = (y + colour) & 1;
          const end = (y + 1) * w;
          for (let i = y * w + x0; i < end; i += 2) {
            const p = i + pad;
            const eL = ld(er, p - 1);
            const eU = ld(ed, p - w);
            const eR = ld(er, p);
            const eD = ld(ed, p);
            const su = eL * ld(U, p - 1) + eU * ld(U, p - w) + eR * ld(U, p + 1) + eD * ld(U, p + w);
            const sv = eL * ld(V, p - 1) + eU * ld(V, p - w) + eR * ld(V, p + 1) + eD * ld(V, p + w);
            const k = K + (<usize>(5 * i) << 3);
            const c = load<f64>(k, 32);
            const pu = ld(U, p);
            const cu = pu + OMEGA * (load<f64>(k, 16) + (su - c * ld(V, p)) * load<f64>(k) - pu);
            st(U, p, cu);
            const pv = ld(V, p);
            st(V, p, pv + OMEGA * (load<f64>(k, 24) + (sv - c * cu) * load<f64>(k, 8) - pv));
          }
        }
      }
    }
  }
}

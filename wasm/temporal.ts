// Entry of dist/wasm/temporal.wasm: the per-pixel pass of the flow-based pair metrics (src/metrics/temporal.ts's
// flowPairScores calls it). float64 arithmetic in the order of the TypeScript kept as the reference in
// test/wasm/temporal-reference.ts; maps at byte offsets the caller chose; nothing is allocated here.

function f32at(base: usize, i: i32): f64 {
  return <f64>load<f32>(base + (<usize>i << 2));
}

function f64at(base: usize, i: i32): f64 {
  return load<f64>(base + (<usize>i << 3));
}

function byteAt(base: usize, i: i32): i32 {
  return <i32>load<u8>(base + <usize>i);
}

/**
 * v / 255 of an 8-bit channel value, as the TypeScript's table holds it: read from a table filled once, when the
 * module is instantiated (the same doubles, division being correctly rounded), instead of 15 divisions a pixel.
 */
const UNIT: usize = memory.data(256 * 8, 8);
for (let v = 0; v < 256; v++) store<f64>(UNIT + (<usize>v << 3), <f64>v / 255);

function unit(v: i32): f64 {
  return load<f64>(UNIT + (<usize>v << 3));
}

/** Bilinear blend of the taps a (top left), b (top right), c, e (below) of a float32 map: warp.ts's arithmetic. */
function lerp32(d: usize, a: i32, b: i32, c: i32, e: i32, fx: f64, fy: f64): f64 {
  return (f32at(d, a) * (1 - fx) + f32at(d, b) * fx) * (1 - fy) + (f32at(d, c) * (1 - fx) + f32at(d, e) * fx) * fy;
}

function lerp64(d: usize, a: i32, b: i32, c: i32, e: i32, fx: f64, fy: f64): f64 {
  return (f64at(d, a) * (1 - fx) + f64at(d, b) * fx) * (1 - fy) + (f64at(d, c) * (1 - fx) + f64at(d, e) * fx) * fy;
}

/**
 * OPW's sum, the rTC counts and the valid pixel count of one pair over frame t+1's w x h pixels, written as four
 * float64 at out: toPrev (pu, pv) and toNext (nu, nv) float32, each frame's usable mask (bytes), OPW-normalised depth
 * (float64), depth (float32) and RGB (bytes); fbAlpha, fbBeta: the forward-backward check's constants.
 */
export function pairScores(w: i32, h: i32, pu: usize, pv: usize, nu: usize, nv: usize, prevOk: usize, nextOk: usize,
  prevNorm: usize, nextNorm: usize, P: usize, N: usize, A: usize, B: usize, fbAlpha: f64, fbBeta: f64, out: usize): void {
  let opw: f64 = 0;
  let in101 = 0;
  let in105 = 0;
  let count = 0;
  const right = <f64>(w - 1);
  const bottom = <f64>(h - 1);
  for (let y = 0, i = 0; y < h; y++) {
    for (let x = 0; x < w; x++, i++) {
      const fu = f32at(pu, i);
      const fv = f32at(pv, i);
      const sx = <f64>x + fu;
      const sy = <f64>y + fv;
      if (!(sx >= 0 && sy >= 0 && sx <= right && sy <= bottom) || !byteAt(nextOk, i)) continue;
      const x0 = <i32>Math.floor(sx);
      const y0 = <i32>Math.floor(sy);
      const fx = sx - <f64>x0;
      const fy = sy - <f64>y0;
      const j00 = y0 * w + x0;
      const j01 = j00 + (x0 + 1 < w ? 1 : 0);
      const j10 = j00 + (y0 + 1 < h ? w : 0);
      const j11 = j10 + (j01 - j00);
      const bu = lerp32(nu, j00, j01, j10, j11, fx, fy);
      const bv = lerp32(nv, j00, j01, j10, j11, fx, fy);
      const du = fu + bu;
      const dv = fv + bv;
      if (!(du * du + dv * dv < fbAlpha * (fu * fu + fv * fv + bu * bu + bv * bv) + fbBeta)) continue;
      if (!(byteAt(prevOk, j00) && byteAt(prevOk, j01) && byteAt(prevOk, j10) && byteAt(prevOk, j11))) continue;
      count++;
      let photometric: f64 = 0;
      for (let c = 0; c < 3; c++) {
        const warped = (unit(byteAt(A, 3 * j00 + c)) * (1 - fx) + unit(byteAt(A, 3 * j01 + c)) * fx) * (1 - fy) +
          (unit(byteAt(A, 3 * j10 + c)) * (1 - fx) + unit(byteAt(A, 3 * j11 + c)) * fx) * fy;
        const e = unit(byteAt(B, 3 * i + c)) - warped;
        photometric += e * e;
      }
      opw += Math.exp(-50 * photometric) * Math.abs(f64at(nextNorm, i) - lerp64(prevNorm, j00, j01, j10, j11, fx, fy));
      const warped = lerp32(P, j00, j01, j10, j11, fx, fy);
      const n = f32at(N, i);
      const ratio = Math.max(n / warped, warped / n);
      if (ratio < 1.01) in101++;
      if (ratio < 1.05) in105++;
    }
  }
  store<f64>(out, opw);
  store<f64>(out, <f64>in101, 8);
  store<f64>(out, <f64>in105, 16);
  store<f64>(out, <f64>count, 24);
}

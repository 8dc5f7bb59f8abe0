import type { RgbImage } from '../../src/metrics/types.js';
import type { TemporalFrame, TemporalPairScores } from '../../src/metrics/temporal.js';
import { FB_ALPHA, FB_BETA, type PairFlows } from '../../src/metrics/warp.js';

// The TypeScript of the pair metrics' per-pixel pass (src/metrics/temporal.ts's flowPairScores) before it moved to
// WebAssembly (wasm/temporal.ts), kept as the reference the WebAssembly build must match.

/** Channel values v / 255 of 8-bit RGB (the same doubles as dividing each time). */
const UNIT = Float64Array.from({ length: 256 }, (_, v) => v / 255);

/** Bilinear blend of the taps a (top left), b (top right), c, e (below) of d: warp.ts's `sampleBilinear` arithmetic. */
function lerp(d: Float32Array, a: number, b: number, c: number, e: number, fx: number, fy: number): number {
  return (d[a] * (1 - fx) + d[b] * fx) * (1 - fy) + (d[c] * (1 - fx) + d[e] * fx) * fy;
}

/** lerp of a float64 map (a function of its own, so that each keeps one array type at its loads). */
function lerp64(d: Float64Array, a: number, b: number, c: number, e: number, fx: number, fy: number): number {
  return (d[a] * (1 - fx) + d[b] * fx) * (1 - fy) + (d[c] * (1 - fx) + d[e] * fx) * fy;
}

/** OPW, rTC and the valid pixel count of one pair: temporal.ts's pass as TypeScript (its doc says what each is). */
export function pairScoresReference(prev: TemporalFrame, next: TemporalFrame, prevImage: RgbImage, nextImage: RgbImage, flows: PairFlows): Omit<TemporalPairScores, 'flicker'> {
  const { width, height } = next.depth;
  const { u: pu, v: pv } = flows.toPrev;
  const { u: nu, v: nv } = flows.toNext;
  const { ok: prevOk, norm: prevNorm } = prev;
  const { ok: nextOk, norm: nextNorm } = next;
  const P = prev.depth.data;
  const N = next.depth.data;
  const A = prevImage.data;
  const B = nextImage.data;
  let opw = 0;
  let in101 = 0;
  let in105 = 0;
  let count = 0;
  for (let y = 0, i = 0; y < height; y++) {
    for (let x = 0; x < width; x++, i++) {
      const fu = pu[i];
      const fv = pv[i];
      const sx = x + fu;
      const sy = y + fv;
      if (!(sx >= 0 && sy >= 0 && sx <= width - 1 && sy <= height - 1) || !nextOk[i]) continue;
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      const fx = sx - x0;
      const fy = sy - y0;
      const j00 = y0 * width + x0;
      const j01 = j00 + (x0 + 1 < width ? 1 : 0);
      const j10 = j00 + (y0 + 1 < height ? width : 0);
      const j11 = j10 + (j01 - j00);
      const bu = lerp(nu, j00, j01, j10, j11, fx, fy);
      const bv = lerp(nv, j00, j01, j10, j11, fx, fy);
      const du = fu + bu;
      const dv = fv + bv;
      if (!(du * du + dv * dv < FB_ALPHA * (fu * fu + fv * fv + bu * bu + bv * bv) + FB_BETA)) continue;
      if (!(prevOk[j00] && prevOk[j01] && prevOk[j10] && prevOk[j11])) continue;
      count++;
      let photometric = 0;
      for (let c = 0; c < 3; c++) {
        const warped = (UNIT[A[3 * j00 + c]] * (1 - fx) + UNIT[A[3 * j01 + c]] * fx) * (1 - fy) + (UNIT[A[3 * j10 + c]] * (1 - fx) + UNIT[A[3 * j11 + c]] * fx) * fy;
        photometric += (UNIT[B[3 * i + c]] - warped) ** 2;
      }
      opw += Math.exp(-50 * photometric) * Math.abs(nextNorm[i] - lerp64(prevNorm, j00, j01, j10, j11, fx, fy));
      const warped = lerp(P, j00, j01, j10, j11, fx, fy);
      const ratio = Math.max(N[i] / warped, warped / N[i]);
      if (ratio < 1.01) in101++;
      if (ratio < 1.05) in105++;
    }
  }
  return count ? { opw: opw / count, rtc_101: in101 / count, rtc_105: in105 / count, validPixels: count } : { opw: NaN, rtc_101: NaN, rtc_105: NaN, validPixels: 0 };
}

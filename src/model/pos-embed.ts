/**
 * Resamples CLIP's square grid of patch position embeddings to another token grid (e.g. 14x14 -> 22x76 for a
 * 352x1216 KITTI input), keeping the class-token row. Same as Hugging Face's interpolate_pos_encoding: PyTorch
 * bicubic (A = -0.75), align_corners=False, border indices clamped. Computed once per model build.
 */

const A = -0.75;

function cubicWeights(t: number): [number, number, number, number] {
  const w0 = ((A * (t + 1) - 5 * A) * (t + 1) + 8 * A) * (t + 1) - 4 * A;
  const w1 = ((A + 2) * t - (A + 3)) * t * t + 1;
  const u = 1 - t;
  const w2 = ((A + 2) * u - (A + 3)) * u * u + 1;
  const w3 = ((A * (u + 1) - 5 * A) * (u + 1) + 8 * A) * (u + 1) - 4 * A;
  return [w0, w1, w2, w3];
}

/** Interpolation matrix [outSize, inSize] for one axis. */
function axisMatrix(inSize: number, outSize: number): Float64Array {
  const m = new Float64Array(outSize * inSize);
  const scale = inSize / outSize;
  for (let o = 0; o < outSize; o++) {
    const src = (o + 0.5) * scale - 0.5;
    const x0 = Math.floor(src);
    const w = cubicWeights(src - x0);
    for (let k = 0; k < 4; k++) {
      const idx = Math.min(Math.max(x0 - 1 + k, 0), inSize - 1);
      m[o * inSize + idx] += w[k];
    }
  }
  return m;
}

/**
 * pos: [1 + grid*grid, width] row-major. Returns [1 + rows*cols, width]. The same grid comes back unchanged.
 */
export function interpolatePosEmbed(pos: Float32Array, grid: number, width: number, rows: number, cols: number): Float32Array {
  if (pos.length !== (grid * grid + 1) * width) throw new Error(`position embedding has ${pos.length} values, expected ${(grid * grid + 1) * width}`);
  if (rows === grid && cols === grid) return pos.slice();
  const my = axisMatrix(grid, rows);
  const mx = axisMatrix(grid, cols);
  const out = new Float32Array((rows * cols + 1) * width);
  out.set(pos.subarray(0, width));
  // Separable: first along y into a [rows, grid, width] buffer, then along x.
  const tmp = new Float64Array(rows * grid * width);
  for (let r = 0; r < rows; r++) {
    for (let g = 0; g < grid; g++) {
      const wy = my[r * grid + g];
      if (wy === 0) continue;
      for (let x = 0; x < grid; x++) {
        const src = (1 + g * grid + x) * width;
        const dst = (r * grid + x) * width;
        for (let c = 0; c < width; c++) tmp[dst + c] += wy * pos[src + c];
      }
    }
  }
  for (let r = 0; r < rows; r++) {
    for (let col = 0; col < cols; col++) {
      const dst = (1 + r * cols + col) * width;
      for (let x = 0; x < grid; x++) {
        const wx = mx[col * grid + x];
        if (wx === 0) continue;
        const src = (r * grid + x) * width;
        for (let c = 0; c < width; c++) out[dst + c] += wx * tmp[src + c];
      }
    }
  }
  return out;
}

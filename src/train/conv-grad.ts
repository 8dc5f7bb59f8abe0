/**
 * Filter gradients of the decoder's convolutions as plain loops over NHWC arrays. tfjs-cpu's Conv2DBackpropFilter
 * indexes element by element and took ~95% of a training step (1.2 s for one 3x3 8->8 layer at batch 4, 32x24);
 * tfjs-wasm has no such kernel. These loops run the same sums in a few milliseconds.
 */

export interface Nhwc {
  data: Float32Array;
  /** [batch, height, width, channels] */
  shape: [number, number, number, number];
}

/**
 * d loss / d filter of a stride-1 conv2d with symmetric zero padding `pad`, given input x and output gradient dy.
 * Result in tfjs layout [kh, kw, in, out].
 */
export function conv2dFilterGrad(x: Nhwc, dy: Nhwc, kh: number, kw: number, pad: number): Float32Array {
  const [b, h, w, cin] = x.shape;
  const [, ho, wo, cout] = dy.shape;
  const out = new Float32Array(kh * kw * cin * cout);
  for (let n = 0; n < b; n++) {
    for (let i = 0; i < ho; i++) {
      for (let j = 0; j < wo; j++) {
        const g = ((n * ho + i) * wo + j) * cout;
        for (let ky = 0; ky < kh; ky++) {
          const y = i + ky - pad;
          if (y < 0 || y >= h) continue;
          for (let kx = 0; kx < kw; kx++) {
            const xx = j + kx - pad;
            if (xx < 0 || xx >= w) continue;
            const src = ((n * h + y) * w + xx) * cin;
            const dst = (ky * kw + kx) * cin * cout;
            for (let c = 0; c < cin; c++) {
              const v = x.data[src + c];
              if (v === 0) continue; // ReLU outputs are often exactly 0
              const row = dst + c * cout;
              for (let o = 0; o < cout; o++) out[row + o] += v * dy.data[g + o];
            }
          }
        }
      }
    }
  }
  return out;
}

/**
 * d loss / d filter of a 'valid' transposed convolution with the given stride: output pixel (i*s + ky, j*s + kx)
 * receives x[i, j] times the filter tap (ky, kx). Result in tfjs's conv2dTranspose layout [kh, kw, out, in].
 */
export function convTransposeFilterGrad(x: Nhwc, dy: Nhwc, kh: number, kw: number, stride: number): Float32Array {
  const [b, h, w, cin] = x.shape;
  const [, ho, wo, cout] = dy.shape;
  const out = new Float32Array(kh * kw * cout * cin);
  for (let n = 0; n < b; n++) {
    for (let i = 0; i < h; i++) {
      for (let j = 0; j < w; j++) {
        const src = ((n * h + i) * w + j) * cin;
        for (let ky = 0; ky < kh; ky++) {
          for (let kx = 0; kx < kw; kx++) {
            const g = ((n * ho + i * stride + ky) * wo + j * stride + kx) * cout;
            const dst = (ky * kw + kx) * cout * cin;
            for (let o = 0; o < cout; o++) {
              const d = dy.data[g + o];
              if (d === 0) continue;
              const row = dst + o * cin;
              for (let c = 0; c < cin; c++) out[row + c] += d * x.data[src + c];
            }
          }
        }
      }
    }
  }
  return out;
}

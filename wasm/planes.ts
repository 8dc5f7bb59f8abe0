// Element i of a float32 plane at byte offset `base`, widened to float64 (the TypeScript path's Float32Array reads),
// and its store, rounded to float32 (its Float32Array writes).
export function ld(base: usize, i: i32): f64 {
  return <f64>load<f32>(base + (<usize>i << 2));
}

export function st(base: usize, i: i32, x: f64): void {
  store<f32>(base + (<usize>i << 2), <f32>x);
}

/** Bilinear sample of a w x h float32 plane with the coordinates clamped to the image (replicated border), float64. */
export function sample(d: usize, w: i32, h: i32, x: f64, y: f64): f64 {
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

// Element i of a float32 plane at byte offset `base`, widened to float64 (the TypeScript path's Float32Array reads),
// and its store, rounded to float32 (its Float32Array writes).
export function ld(base: usize, i: i32): f64 {
  return <f64>load<f32>(base + (<usize>i << 2));
}

export function st(base: usize, i: i32, x: f64): void {
  store<f32>(base + (<usize>i << 2), <f32>x);
}

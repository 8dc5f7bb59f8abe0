/**
 * Widens IEEE 754 half floats (binary16: sign, 5-bit exponent with bias 15, 10-bit fraction; exponent 0 is
 * subnormal, 31 infinity or NaN) to float32, exactly. Used by safetensors F16 tensors and float16 .npy files.
 */
export function f16ToF32(src: Uint16Array): Float32Array {
  const out = new Float32Array(src.length);
  for (let i = 0; i < src.length; i++) {
    const h = src[i];
    const sign = h & 0x8000 ? -1 : 1;
    const exp = (h >> 10) & 0x1f;
    const frac = h & 0x3ff;
    if (exp === 0) out[i] = sign * frac * 2 ** -24;
    else if (exp === 31) out[i] = frac ? NaN : sign * Infinity;
    else out[i] = sign * (1 + frac / 1024) * 2 ** (exp - 15);
  }
  return out;
}

/**
 * mulberry32: seeded uniform samples in [0, 1), the same sequence on every machine (and in the Python references
 * that replay it). Synth scenes, bootstrap resamples, weight init, batch order and augmentations all draw from it.
 */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Seeded normal samples for weight initialisation and random test weights (mulberry32 + Box-Muller): the same seed
 * gives the same checkpoint on every machine.
 */
export function normalSampler(seed: number): (n: number, std: number) => Float32Array {
  const uniform = mulberry32(seed);
  return (n, std) => {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i += 2) {
      const r = Math.sqrt(-2 * Math.log(1 - uniform()));
      const a = 2 * Math.PI * uniform();
      out[i] = r * Math.cos(a) * std;
      if (i + 1 < n) out[i + 1] = r * Math.sin(a) * std;
    }
    return out;
  };
}

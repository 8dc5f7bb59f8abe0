/**
 * Matplotlib's inferno colormap as Matt Zucker's degree-6 polynomial fit (CC0, the "WlfXRN" shader; within a few
 * 8-bit steps of the 256-entry table), so no table ships. Used for error maps: perceptually uniform, dark = small,
 * and unlike turbo it does not suggest a depth.
 */
const C: [number, number, number][] = [
  [0.0002189403691192265, 0.001651004631001012, -0.01948089843709184],
  [0.1065134194856116, 0.5639564367884091, 3.932712388889277],
  [11.60249308247187, -3.972853965665698, -15.9423941062914],
  [-41.70399613139459, 17.43639888205313, 44.35414519872813],
  [77.162935699427, -33.40235894210092, -81.80730925738993],
  [-71.31942824499214, 32.62606426397723, 73.20951985803202],
  [25.13112622477341, -12.24266895238567, -23.07032500287172],
];

const to8 = (v: number) => Math.round(255 * Math.min(1, Math.max(0, v)));

/** Colour of t in [0, 1] (clamped; NaN -> 0) as 8-bit RGB. */
export function inferno(t: number): [number, number, number] {
  const x = Number.isNaN(t) ? 0 : Math.min(1, Math.max(0, t));
  const rgb: [number, number, number] = [0, 0, 0];
  for (let ch = 0; ch < 3; ch++) {
    let v = 0;
    for (let k = C.length - 1; k >= 0; k--) v = v * x + C[k][ch];
    rgb[ch] = to8(v);
  }
  return rgb;
}

/** 256-entry interleaved RGB lookup table of inferno, in the layout colormap.ts's colourise() takes. */
export function infernoTable(): Uint8Array {
  const lut = new Uint8Array(256 * 3);
  for (let i = 0; i < 256; i++) lut.set(inferno(i / 255), 3 * i);
  return lut;
}

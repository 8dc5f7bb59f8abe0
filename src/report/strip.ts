import type { DepthMap, Mask, RgbImage } from '../metrics/types.js';
import { resizeBilinear } from '../metrics/resize.js';
import { DepthkitError } from '../errors.js';
import { colourise, turboTable } from './colormap.js';
import { infernoTable } from './inferno.js';
import { absRelErrorMap, gtValidity } from './error-map.js';
import { blit, colourBar, drawLabels, filledImage, resampleNearest, type Label, type Rgb } from './canvas.js';

export interface StripInput {
  rgb?: RgbImage;
  /** The prediction as evaluated (aligned and clamped), in metres; resized to the ground truth's size if needed. */
  pred: DepthMap;
  gt?: DepthMap;
  /** Ground truth counts where minDepth < g < maxDepth and mask is 1 (the eval protocol's caps and crop). */
  minDepth?: number;
  maxDepth?: number;
  mask?: Mask;
  /** A caption above the panels, e.g. the image name and its abs_rel. */
  title?: string;
  /** The error map's colour range is 0..errorMax (default 0.5): fixed, so that strips of one run compare. */
  errorMax?: number;
}

export type PanelKind = 'rgb' | 'pred' | 'gt' | 'error';

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface PanelPlacement extends Box {
  kind: PanelKind;
  /** The colour bar under a colourised panel (not under RGB). */
  bar?: Box;
}

export interface StripLayout {
  /** The strip without its text labels. */
  image: RgbImage;
  labels: Label[];
  panels: PanelPlacement[];
}

export const STRIP_STYLE = {
  pad: 10,
  caption: 26,
  panelTitle: 22,
  barGap: 6,
  bar: 12,
  barLabels: 18,
  minPanelWidth: 240,
  maxPanelWidth: 420,
  maxPanelHeight: 320,
  background: [255, 255, 255] as Rgb,
  /** Error-map pixels without valid ground truth: mid grey, apart from every inferno colour. */
  noData: [128, 128, 128] as Rgb,
};

const DEFAULT_ERROR_MAX = 0.5;

const fmt = (v: number) => String(Number(v.toPrecision(3)));

function finiteRange(values: Float32Array, use?: Mask): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if ((use && !use[i]) || !(Number.isFinite(v) && v > 0)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return lo <= hi ? [lo, hi] : [0, 1];
}

function paint(rgb: Uint8Array, keep: Mask, colour: Rgb): void {
  const [r, g, b] = colour;
  for (let i = 0; i < keep.length; i++) {
    if (keep[i]) continue;
    rgb[3 * i] = r;
    rgb[3 * i + 1] = g;
    rgb[3 * i + 2] = b;
  }
}

interface Panel {
  kind: PanelKind;
  title: string;
  image: RgbImage;
  bar?: { lut: Uint8Array; lo: string; hi: string };
}

/** The colourised panels: depth panels share one turbo range (the valid ground truth's, else the prediction's). */
function panels(input: StripInput): Panel[] {
  const { gt } = input;
  const pred = gt && (input.pred.width !== gt.width || input.pred.height !== gt.height)
    ? resizeBilinear(input.pred, gt.width, gt.height)
    : input.pred;
  const { width, height } = pred;
  if (pred.data.length !== width * height) throw new DepthkitError(`prediction of ${width}x${height} holds ${pred.data.length} values`);
  const valid = gt ? gtValidity(gt, input) : undefined;
  const [lo, top] = gt ? finiteRange(gt.data, valid) : finiteRange(pred.data);
  const capped = input.maxDepth === undefined ? top : Math.min(top, input.maxDepth);
  const hi = capped > lo ? capped : lo + 1;
  const turboLut = turboTable();
  const depthBar = { lut: turboLut, lo: `${fmt(lo)} m`, hi: `${fmt(hi)} m` };
  const out: Panel[] = [];
  if (input.rgb) out.push({ kind: 'rgb', title: 'RGB', image: input.rgb });
  out.push({ kind: 'pred', title: 'prediction', image: { data: colourise(pred.data, lo, hi, turboLut), width, height }, bar: depthBar });
  if (gt && valid) {
    const gtRgb = colourise(gt.data, lo, hi, turboLut);
    paint(gtRgb, valid, [0, 0, 0]);
    out.push({ kind: 'gt', title: 'ground truth', image: { data: gtRgb, width, height }, bar: depthBar });
    const errorMax = input.errorMax ?? DEFAULT_ERROR_MAX;
    const err = absRelErrorMap(pred.data, gt.data, valid);
    const infernoLut = infernoTable();
    const errRgb = colourise(err, 0, errorMax, infernoLut);
    // colourise() blacks out values <= 0, but an error of exactly 0 is the best colour, not "no data".
    for (let i = 0; i < err.length; i++) if (err[i] === 0) errRgb.set(infernoLut.subarray(0, 3), 3 * i);
    const errValid = new Uint8Array(err.length);
    for (let i = 0; i < err.length; i++) errValid[i] = Number.isFinite(err[i]) ? 1 : 0;
    paint(errRgb, errValid, STRIP_STYLE.noData);
    out.push({ kind: 'error', title: 'abs-rel error |p-g|/g', image: { data: errRgb, width, height }, bar: { lut: infernoLut, lo: '0', hi: `≥ ${fmt(errorMax)}` } });
  }
  return out;
}

/**
 * Lays out RGB | prediction | ground truth | abs-rel error side by side, each panel titled and (but RGB) with a
 * colour bar spanning its colormap and labelled with its range. Pure: the labels are returned, not drawn.
 * Panels are scaled (nearest neighbour) to one common size between the style's minimum width and maximum size.
 */
export function layoutStrip(input: StripInput): StripLayout {
  const s = STRIP_STYLE;
  const list = panels(input);
  const base = list[list.length - 1].image;
  // Small maps are enlarged so that titles and bar labels fit; large ones shrink so that a strip fits a page.
  const scale = Math.min(Math.max(1, s.minPanelWidth / base.width), s.maxPanelWidth / base.width, s.maxPanelHeight / base.height);
  const pw = Math.max(1, Math.round(base.width * scale));
  const ph = Math.max(1, Math.round(base.height * scale));
  const top = s.pad + (input.title ? s.caption : 0) + s.panelTitle;
  const width = s.pad + list.length * (pw + s.pad);
  const height = top + ph + s.barGap + s.bar + s.barLabels + s.pad;
  const image = filledImage(width, height, s.background);
  const labels: Label[] = [];
  if (input.title) labels.push({ text: input.title, x: s.pad, y: s.pad + 17, size: 15, bold: true });
  const placed = list.map((p, i): PanelPlacement => {
    const x = s.pad + i * (pw + s.pad);
    blit(image, resampleNearest(p.image, pw, ph), x, top);
    labels.push({ text: p.title, x: x + pw / 2, y: top - 7, anchor: 'middle', bold: true });
    const placement: PanelPlacement = { kind: p.kind, x, y: top, width: pw, height: ph };
    if (p.bar) {
      const bar = { x, y: top + ph + s.barGap, width: pw, height: s.bar };
      blit(image, colourBar(bar.width, bar.height, p.bar.lut), bar.x, bar.y);
      const ty = bar.y + bar.height + 14;
      labels.push({ text: p.bar.lo, x, y: ty, size: 12 }, { text: p.bar.hi, x: x + pw, y: ty, size: 12, anchor: 'end' });
      placement.bar = bar;
    }
    return placement;
  });
  return { image, labels, panels: placed };
}

/** The strip as an image, labels drawn (the text is rasterised by sharp, hence async). */
export async function renderStrip(input: StripInput): Promise<RgbImage> {
  const { image, labels } = layoutStrip(input);
  return drawLabels(image, labels);
}

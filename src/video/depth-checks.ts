import { DepthkitError } from '../errors.js';
import { parseSourceSpec, type DepthSource } from './depth-source.js';
import type { GtSource } from './gt-source.js';

/** `--depth-scale`: one divisor for every --depth source, and per-source ones that override it. */
export interface DepthScales {
  all?: number;
  bySource: Record<string, number>;
}

/**
 * Parses `--depth-scale 1000` (every source) and `--depth-scale a=1000` (source a), repeatable; each value must be
 * a number > 0. Errors are one line naming the flag.
 */
export function parseDepthScales(items: readonly string[] = []): DepthScales {
  const scales: DepthScales = { bySource: {} };
  for (const item of items) {
    const eq = item.indexOf('=');
    const text = eq >= 0 ? item.slice(eq + 1) : item;
    const value = Number(text);
    if (text.trim() === '' || !(value > 0) || !Number.isFinite(value)) {
      throw new DepthkitError(`--depth-scale must be a number greater than 0, or name=number (got "${item}")`);
    }
    if (eq >= 0) scales.bySource[item.slice(0, eq)] = value;
    else scales.all = value;
  }
  return scales;
}

/** A `:<number>` at the end of a --depth spec (`a=preds/:1000`) is that source's scale. */
export function splitSpecScale(spec: string): { spec: string; scale?: number } {
  const m = /^(.*\S):(\d+(?:\.\d+)?(?:e\d+)?)$/i.exec(spec);
  return m && Number(m[2]) > 0 ? { spec: m[1], scale: Number(m[2]) } : { spec };
}

/** The spec without its `:<scale>` suffix, and its scale: the suffix, else `--depth-scale name=`, else the common one. */
export function sourceScale(raw: string, scales: DepthScales): { spec: string; scale: number } {
  const { spec, scale } = splitSpecScale(raw);
  return { spec, scale: scale ?? scales.bySource[parseSourceSpec(spec).name] ?? scales.all ?? 1 };
}

/** Every per-source scale must name a --depth source: a typo would otherwise silently leave the default. */
export function checkScaleNames(scales: DepthScales, names: readonly string[]): void {
  const unknown = Object.keys(scales.bySource).find((n) => !names.includes(n));
  if (unknown !== undefined) throw new DepthkitError(`--depth-scale names source '${unknown}', but the --depth sources are ${names.join(', ') || 'none'}`);
}

/** Aspect ratios further apart than this are not rounding (a 1920x1080 frame is 1.7778, 854x480 1.7792). */
const ASPECT_TOLERANCE = 0.01;
/** PNG depth this many times the depth cap is almost surely millimetres read as metres. */
const MILLIMETRE_FACTOR = 10;

/**
 * Notes on depth that fits its frames only by accident: maps whose aspect ratio differs from the frame's (landscape
 * maps for a portrait video are stretched, not rotated), and PNG depth far above the depth cap (millimetres read
 * as metres: every pixel would be clamped).
 */
export function depthNotes(sources: readonly DepthSource[], gt: GtSource | undefined, frame: { width: number; height: number }, maxDepth: number): string[] {
  const notes: string[] = [];
  const aspect = frame.width / frame.height;
  const differs = (s: { width: number; height: number }) => Math.abs(s.width / s.height - aspect) / aspect > ASPECT_TOLERANCE;
  const describe = (s: { width: number; height: number }) => `${s.width}x${s.height} (aspect ${(s.width / s.height).toFixed(3)})`;
  for (const s of sources) {
    if (s.resizedFrom && differs(s.resizedFrom)) notes.push(`${s.name}: depth maps are ${describe(s.resizedFrom)}, the frames ${describe(frame)}: stretched to fit; are they the right maps (rotated, cropped)?`);
    if (s.pngMax !== undefined && s.pngMax > MILLIMETRE_FACTOR * maxDepth) {
      notes.push(`${s.name}: PNG depth reaches ${s.pngMax} after scaling, far above --max-depth ${maxDepth}: millimetres? pass --depth-scale ${s.name}=1000`);
    }
  }
  if (gt?.resizedFrom && differs(gt.resizedFrom)) notes.push(`ground truth maps are ${describe(gt.resizedFrom)}, the frames ${describe(frame)}: stretched to fit`);
  return notes;
}

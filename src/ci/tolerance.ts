/** A tolerance on how much worse a metric may get: absolute (metric units) or relative to the baseline value. */
export type Tolerance = { kind: 'abs'; value: number } | { kind: 'rel'; percent: number };

/**
 * For a gated metric without a tolerance of its own: 1% of the baseline value. Per-image means of abs_rel, rmse or
 * silog move by a few tenths of a percent between runs that differ only in float order, resizing or a backend; 0
 * would fail those, while a real regression (a model or protocol change) moves them by several percent.
 */
export const DEFAULT_TOLERANCE: Tolerance = { kind: 'rel', percent: 1 };

/** Parses `0.002` or `1%`; undefined when the text is neither a finite non-negative number nor a percentage. */
export function parseTolerance(text: string | number): Tolerance | undefined {
  if (typeof text === 'number') return Number.isFinite(text) && text >= 0 ? { kind: 'abs', value: text } : undefined;
  const s = text.trim();
  const pct = s.endsWith('%');
  const body = pct ? s.slice(0, -1).trim() : s;
  const n = Number(body);
  if (body === '' || !Number.isFinite(n) || n < 0) return undefined;
  return pct ? { kind: 'rel', percent: n } : { kind: 'abs', value: n };
}

/** The allowed worsening in metric units for a given baseline value. */
export function toleranceAmount(tol: Tolerance, baseline: number): number {
  return tol.kind === 'abs' ? tol.value : (Math.abs(baseline) * tol.percent) / 100;
}

export function formatTolerance(tol: Tolerance): string {
  return tol.kind === 'abs' ? String(tol.value) : `${tol.percent}%`;
}

/**
 * Parses `abs_rel=0.002,d1=1%` (several flag values are joined). Errors are returned as text so that the caller can
 * name the flag or file they came from.
 */
export function parseToleranceList(items: string[]): { tolerances: Record<string, Tolerance>; error?: string } {
  const tolerances: Record<string, Tolerance> = {};
  for (const part of items.flatMap((i) => i.split(',')).map((p) => p.trim()).filter(Boolean)) {
    const eq = part.indexOf('=');
    const name = part.slice(0, eq).trim();
    const tol = eq > 0 ? parseTolerance(part.slice(eq + 1)) : undefined;
    if (!tol) return { tolerances, error: `"${part}" is not metric=number or metric=percent%` };
    tolerances[name] = tol;
  }
  return { tolerances };
}

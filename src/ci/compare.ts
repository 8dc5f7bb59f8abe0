import { DepthkitError, FormatError } from '../errors.js';
import { isNumericText, numericCell, type CsvTable } from '../io/csv.js';
import { bootstrapMeanInterval, type BootstrapOptions } from './bootstrap.js';
import { metricDirection, worsening, type Direction } from './metric-direction.js';
import { formatTolerance, toleranceAmount, type Tolerance } from './tolerance.js';

export type Verdict = 'improved' | 'same' | 'within tolerance' | 'REGRESSED' | 'reported';
export type GateMode = 'mean' | 'significant';

export interface CompareSide {
  file: string;
  table: CsvTable;
}

export interface CompareOptions {
  /** Row-matching column; undefined compares the single summary row of each file. */
  key?: string;
  /** Columns that gate; undefined gates every column with a known better side. */
  metrics?: string[];
  /** Extra columns to report (numeric columns present in both files are reported anyway). */
  report?: string[];
  tolerances: Record<string, Tolerance>;
  defaultTolerance: Tolerance;
  gate: GateMode;
  bootstrap: BootstrapOptions;
  allowNewRows: boolean;
  allowMissingRows: boolean;
  /** Read inf / -inf / nan as "no value" (see cell) instead of refusing the file. */
  allowNonfinite: boolean;
}

export interface MetricComparison {
  metric: string;
  direction: Direction;
  gated: boolean;
  /** Per-row mode: means over the rows compared for this metric. */
  baseline: number;
  candidate: number;
  delta: number;
  /** Bootstrap interval of the mean per-row delta (per-row mode only). */
  interval?: { lo: number; hi: number };
  tolerance?: string;
  /** Allowed worsening in metric units (a relative tolerance resolved against the baseline). */
  allowed?: number;
  verdict: Verdict;
  /** Per-row mode: rows compared, and rows left out because a side was NaN. */
  rows?: number;
  nanRows?: number;
}

export interface CompareResult {
  baselineFile: string;
  candidateFile: string;
  mode: 'summary' | 'rows';
  key?: string;
  gate: GateMode;
  metrics: MetricComparison[];
  matchedRows: number;
  /** Keys in the baseline only / in the candidate only, and whether each list fails the gate. */
  missingRows: string[];
  newRows: string[];
  missingRowsFail: boolean;
  newRowsFail: boolean;
  passed: boolean;
}

/** Below this the difference is float noise (e.g. 0.102 - 0.100 exceeds 0.002 by 2e-18). */
function noise(...values: number[]): number {
  return 1e-9 * Math.max(...values.filter(Number.isFinite).map(Math.abs), 0);
}

/** The smallest worsening any value in [lo, hi] would mean: the optimistic end of the interval. */
function leastWorsening(direction: Direction, lo: number, hi: number): number {
  if (direction === 'info' || direction === 'unknown') return lo <= 0 && hi >= 0 ? 0 : Math.min(Math.abs(lo), Math.abs(hi));
  return Math.min(worsening(direction, lo), worsening(direction, hi));
}

function verdictFor(direction: Direction, delta: number, allowed: number, gateWorse: number, eps: number): Verdict {
  if (gateWorse > allowed + eps) return 'REGRESSED';
  const worse = worsening(direction, delta);
  if (worse < -eps) return 'improved';
  if (Math.abs(worse) <= eps) return 'same';
  return 'within tolerance';
}

/** Columns that gate and columns that are only reported, after checking both files have what must gate. */
function selectColumns(base: CompareSide, cand: CompareSide, opts: CompareOptions): { gated: string[]; reported: string[] } {
  const keyColumns = opts.key?.split('+') ?? [];
  const inBoth = base.table.columns.filter((c) => !keyColumns.includes(c) && cand.table.columns.includes(c));
  let gated = opts.metrics;
  if (gated) {
    for (const m of gated) {
      for (const side of [base, cand]) if (!side.table.columns.includes(m)) throw new FormatError(side.file, `missing metric column "${m}"`);
    }
  } else {
    for (const [side, other] of [[base, cand], [cand, base]]) {
      const lost = other.table.columns.find((c) => ['lower', 'higher'].includes(metricDirection(c)) && !side.table.columns.includes(c));
      if (lost) throw new FormatError(side.file, `missing metric column "${lost}" (present in ${other.file}; pass --metrics to gate fewer)`);
    }
    gated = inBoth.filter((c) => ['lower', 'higher'].includes(metricDirection(c)));
  }
  const numeric = (c: string) => [base, cand].every((s) => s.table.rows.every((r) => isNumericText(r[c])));
  const reported = inBoth.filter((c) => !gated.includes(c) && (opts.report?.includes(c) || numeric(c)));
  return { gated, reported };
}

/**
 * A metric's cells in a baseline row and a candidate row. Non-finite values are refused (exit 2, naming file, row and
 * column): an `inf` abs_rel would otherwise pass as "within tolerance" and a `-inf` one as "improved", and a NaN
 * where the other run has a number hides what went wrong. NaN on both sides is the metric being undefined for that
 * row in both runs (TAE without poses, DBE on a frame without edges): left out, as before. With allowNonfinite every
 * non-finite value is NaN, which the comparison treats as a value it cannot show to be no worse.
 */
function cells(base: CompareSide, i: number, cand: CompareSide, j: number, metric: string, opts: CompareOptions): [number, number] {
  const b = numericCell(base.file, base.table.rows[i], metric, i);
  const c = numericCell(cand.file, cand.table.rows[j], metric, j);
  if (!opts.allowNonfinite && !(Number.isNaN(b) && Number.isNaN(c))) {
    for (const [side, k, v] of [[base, i, b], [cand, j, c]] as const) {
      if (Number.isFinite(v)) continue;
      const text = side.table.rows[k][metric].trim();
      throw new FormatError(side.file, `row ${k + 2}, column "${metric}": non-finite value "${text}" (pass --allow-nonfinite to leave such rows out)`);
    }
  }
  return [Number.isFinite(b) ? b : NaN, Number.isFinite(c) ? c : NaN];
}

function compareSummary(base: CompareSide, cand: CompareSide, metric: string, gated: boolean, opts: CompareOptions): MetricComparison {
  const direction = metricDirection(metric);
  const [b, c] = cells(base, 0, cand, 0, metric, opts);
  const delta = b === c ? 0 : c - b;
  const entry: MetricComparison = { metric, direction, gated, baseline: b, candidate: c, delta, verdict: 'reported' };
  if (!gated) return entry;
  const tol = opts.tolerances[metric] ?? opts.defaultTolerance;
  const allowed = toleranceAmount(tol, b);
  // A metric that became (or stayed one-sidedly) NaN cannot be shown to be no worse.
  const verdict = Number.isNaN(b) && Number.isNaN(c) ? 'same' : Number.isNaN(delta) ? 'REGRESSED'
    : verdictFor(direction, delta, allowed, worsening(direction, delta), noise(b, c));
  return { ...entry, tolerance: formatTolerance(tol), allowed, verdict };
}

function compareRows(
  base: CompareSide, cand: CompareSide, pairs: [number, number][], metric: string, gated: boolean, opts: CompareOptions,
): MetricComparison {
  const direction = metricDirection(metric);
  const bs: number[] = [];
  const diffs: number[] = [];
  let nanRows = 0;
  let bothNaN = 0;
  let candSum = 0;
  for (const [i, j] of pairs) {
    const [b, c] = cells(base, i, cand, j, metric, opts);
    if (Number.isNaN(b) || Number.isNaN(c)) {
      nanRows++;
      if (Number.isNaN(c) && Number.isNaN(b)) bothNaN++;
      continue;
    }
    bs.push(b);
    diffs.push(b === c ? 0 : c - b);
    candSum += c;
  }
  const n = diffs.length;
  const baseline = bs.reduce((s, v) => s + v, 0) / n;
  const delta = diffs.reduce((s, v) => s + v, 0) / n;
  const entry: MetricComparison = { metric, direction, gated, baseline, candidate: candSum / n, delta, verdict: 'reported', rows: n, nanRows };
  // The bootstrap costs resamples x rows per metric, so it is spent on gated metrics only.
  if (!gated) return entry;
  const ci = bootstrapMeanInterval(diffs, opts.bootstrap);
  if (n > 0) entry.interval = { lo: ci.lo, hi: ci.hi };
  const tol = opts.tolerances[metric] ?? opts.defaultTolerance;
  const allowed = n > 0 ? toleranceAmount(tol, baseline) : 0;
  let verdict: Verdict;
  // No comparable row: as for a NaN summary value, only NaN on both sides everywhere counts as unchanged.
  if (n === 0) verdict = bothNaN === nanRows ? 'same' : 'REGRESSED';
  else {
    const gateWorse = opts.gate === 'significant' ? leastWorsening(direction, ci.lo, ci.hi) : worsening(direction, delta);
    verdict = verdictFor(direction, delta, allowed, gateWorse, noise(baseline, entry.candidate));
  }
  return { ...entry, tolerance: formatTolerance(tol), allowed, verdict };
}

/** `key` is one column or several joined by '+' (dataset+sequence): rows match on all of them. */
function indexByKey(side: CompareSide, key: string): Map<string, number> {
  const map = new Map<string, number>();
  const columns = key.split('+');
  side.table.rows.forEach((r, i) => {
    const k = columns.map((c) => r[c]).join('/');
    if (map.has(k)) throw new FormatError(side.file, `key "${key}" value "${k}" appears in more than one row`);
    map.set(k, i);
  });
  return map;
}

/** Compares two parsed CSVs; pure apart from throwing FormatError/DepthkitError (exit 2) on unusable input. */
export function compareTables(base: CompareSide, cand: CompareSide, opts: CompareOptions): CompareResult {
  for (const side of [base, cand]) if (side.table.rows.length === 0) throw new FormatError(side.file, 'has no data rows');
  const { gated, reported } = selectColumns(base, cand, opts);
  const common = { baselineFile: base.file, candidateFile: cand.file, gate: opts.gate };
  const all = [...gated.map((m) => [m, true] as const), ...reported.map((m) => [m, false] as const)];
  if (!opts.key) {
    for (const side of [base, cand]) {
      if (side.table.rows.length !== 1) throw new FormatError(side.file, `has ${side.table.rows.length} rows and no key column (name, model, video): pass --key`);
    }
    const metrics = all.map(([m, g]) => compareSummary(base, cand, m, g, opts));
    const passed = metrics.every((m) => m.verdict !== 'REGRESSED');
    return { ...common, mode: 'summary', metrics, matchedRows: 1, missingRows: [], newRows: [], missingRowsFail: false, newRowsFail: false, passed };
  }
  const bIdx = indexByKey(base, opts.key);
  const cIdx = indexByKey(cand, opts.key);
  const pairs = [...bIdx].filter(([k]) => cIdx.has(k)).map(([k, i]) => [i, cIdx.get(k) as number] as [number, number]);
  if (pairs.length === 0) throw new DepthkitError(`no rows in common with ${base.file} (key "${opts.key}")`, { file: cand.file, exitCode: 2 });
  const missingRows = [...bIdx.keys()].filter((k) => !cIdx.has(k));
  const newRows = [...cIdx.keys()].filter((k) => !bIdx.has(k));
  const metrics = all.map(([m, g]) => compareRows(base, cand, pairs, m, g, opts));
  const missingRowsFail = missingRows.length > 0 && !opts.allowMissingRows;
  const newRowsFail = newRows.length > 0 && !opts.allowNewRows;
  const passed = !missingRowsFail && !newRowsFail && metrics.every((m) => m.verdict !== 'REGRESSED');
  return { ...common, mode: 'rows', key: opts.key, metrics, matchedRows: pairs.length, missingRows, newRows, missingRowsFail, newRowsFail, passed };
}

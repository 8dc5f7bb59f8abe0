import path from 'node:path';
import { metricDirection, type Direction } from '../ci/metric-direction.js';
import { isNumericText } from '../io/csv.js';
import { optionalNumber, type RunFolder } from './run-folder.js';

/** One line of the report's summary: a run (and, for video runs, one model of it) with its numeric summary values. */
export interface SummaryRow {
  run: string;
  model?: string;
  values: Record<string, number>;
}

export interface SummaryTable {
  columns: { name: string; direction: Direction }[];
  rows: SummaryRow[];
  /** Best value of each column with a direction, when at least two rows have a finite value to compare. */
  best: Record<string, number>;
}

/** The numeric cells of a run's summary.csv, one row per line (eval: one; video: one per model). */
export function summaryRows(run: RunFolder, name: string): SummaryRow[] {
  const file = path.join(run.dir, 'summary.csv');
  return run.summary.rows.map((r) => {
    const values: Record<string, number> = {};
    for (const c of run.summary.columns) {
      if (c === 'model' || c === 'dataset' || !isNumericText(r[c] ?? '')) continue;
      const v = optionalNumber(file, r, c);
      if (v !== undefined) values[c] = v;
    }
    // Video-benchmark runs have one summary line a dataset.
    return { run: name, model: r.model ?? r.dataset, values };
  });
}

/**
 * All runs in one table: the union of their numeric columns in first-seen order, and the best value per metric
 * by its direction (lower for errors, higher for d1..d3 and rtc); counts and unknown columns have no best.
 */
export function summaryTable(rows: SummaryRow[]): SummaryTable {
  const names: string[] = [];
  for (const r of rows) for (const c of Object.keys(r.values)) if (!names.includes(c)) names.push(c);
  const columns = names.map((name) => ({ name, direction: metricDirection(name) }));
  const best: Record<string, number> = {};
  for (const { name, direction } of columns) {
    if (direction !== 'lower' && direction !== 'higher') continue;
    const values = rows.map((r) => r.values[name]).filter((v): v is number => v !== undefined && Number.isFinite(v));
    if (values.length < 2) continue;
    best[name] = direction === 'lower' ? Math.min(...values) : Math.max(...values);
  }
  return { columns, rows, best };
}

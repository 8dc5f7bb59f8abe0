import type { CompareResult, MetricComparison } from './compare.js';

/** Four significant digits: enough to see a delta next to its tolerance without drowning the table. */
export function formatValue(v: number, signed = false): string {
  if (Number.isNaN(v)) return 'nan';
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  const sign = signed && v > 0 ? '+' : '';
  if (v === 0) return '0';
  const a = Math.abs(v);
  return sign + (a >= 1e-4 && a < 1e6 ? String(Number(v.toPrecision(4))) : v.toExponential(3));
}

function rowsCell(m: MetricComparison): string {
  return m.nanRows ? `${m.rows} (${m.nanRows} NaN left out)` : String(m.rows);
}

/** The comparison as a table shared by the terminal and Markdown outputs (header, then one row per metric). */
export function comparisonTable(result: CompareResult, confidence: number): { columns: string[]; rows: string[][] } {
  const perRow = result.mode === 'rows';
  const columns = ['metric', 'baseline', 'candidate', 'delta', ...(perRow ? [`${Math.round(confidence * 100)}% CI`] : []), 'tolerance', 'verdict', ...(perRow ? ['rows'] : [])];
  const rows = result.metrics.map((m) => [
    m.metric,
    formatValue(m.baseline),
    formatValue(m.candidate),
    formatValue(m.delta, true),
    ...(perRow ? [m.interval ? `[${formatValue(m.interval.lo, true)}, ${formatValue(m.interval.hi, true)}]` : '-'] : []),
    m.tolerance ?? '-',
    m.verdict,
    ...(perRow ? [rowsCell(m)] : []),
  ]);
  return { columns, rows };
}

/** One-line summaries of what else decided the verdict: unmatched rows and NaN rows. */
export function comparisonNotes(result: CompareResult): string[] {
  const list = (keys: string[]) => `${keys.slice(0, 5).join(', ')}${keys.length > 5 ? `, ... (${keys.length})` : ''}`;
  const notes: string[] = [];
  if (result.missingRows.length) {
    notes.push(`${result.missingRows.length} row(s) missing from the candidate${result.missingRowsFail ? ' (fails; --allow-missing-rows to accept)' : ''}: ${list(result.missingRows)}`);
  }
  if (result.newRows.length) {
    notes.push(`${result.newRows.length} row(s) new in the candidate${result.newRowsFail ? ' (fails; --allow-new-rows to accept)' : ''}: ${list(result.newRows)}`);
  }
  for (const m of result.metrics) if (m.nanRows) notes.push(`${m.metric}: ${m.nanRows} row(s) with NaN in baseline or candidate left out`);
  return notes;
}

import type { CompareResult } from './compare.js';
import { formatValue } from './report-table.js';

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

interface Case {
  name: string;
  failure?: { message: string; detail: string };
}

function cases(result: CompareResult): Case[] {
  const group = result.mode === 'summary' ? 'summary' : `${result.matchedRows} rows by ${result.key}`;
  const out: Case[] = result.metrics.filter((m) => m.gated).map((m) => {
    const detail = [
      `baseline=${formatValue(m.baseline)}`, `candidate=${formatValue(m.candidate)}`, `delta=${formatValue(m.delta, true)}`,
      `tolerance=${m.tolerance}`, ...(m.interval ? [`interval=[${formatValue(m.interval.lo, true)}, ${formatValue(m.interval.hi, true)}]`] : []),
      ...(m.nanRows ? [`nan_rows_left_out=${m.nanRows}`] : []),
    ].join(' ');
    const failure = m.verdict === 'REGRESSED' ? { message: `${m.metric} regressed: ${detail}`, detail } : undefined;
    return { name: `${m.metric} [${group}]`, failure };
  });
  if (result.mode === 'rows') {
    const rowsCase = (name: string, keys: string[], fails: boolean): Case => ({
      name,
      failure: fails ? { message: `${name}: ${keys.length}`, detail: keys.join('\n') } : undefined,
    });
    out.push(rowsCase('rows missing from candidate', result.missingRows, result.missingRowsFail));
    out.push(rowsCase('rows new in candidate', result.newRows, result.newRowsFail));
  }
  return out;
}

/** JUnit XML with one testsuite for the compared file pair; counts in attributes match the testcases below. */
export function comparisonJunit(result: CompareResult): string {
  const all = cases(result);
  const failures = all.filter((c) => c.failure).length;
  const suite = `${result.baselineFile} vs ${result.candidateFile}`;
  const body = all.map((c) => {
    const open = `    <testcase classname="depthkit.compare" name="${esc(c.name)}"`;
    if (!c.failure) return `${open}/>`;
    return `${open}>\n      <failure type="regression" message="${esc(c.failure.message)}">${esc(c.failure.detail)}</failure>\n    </testcase>`;
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="depthkit compare" tests="${all.length}" failures="${failures}" errors="0">`,
    `  <testsuite name="${esc(suite)}" tests="${all.length}" failures="${failures}" errors="0" skipped="0">`,
    ...body,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}

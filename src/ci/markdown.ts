import type { CompareResult } from './compare.js';
import type { ProtocolDifference } from './protocol-check.js';
import { comparisonNotes, comparisonTable } from './report-table.js';

function escapeCell(s: string): string {
  return s.replace(/\|/g, '\\|');
}

/** A PR-comment / step-summary section: a PASS/FAIL header line, the table, then notes and protocol warnings. */
export function comparisonMarkdown(result: CompareResult, opts: { confidence: number; reportLink?: string; protocol: ProtocolDifference[] }): string {
  const { columns, rows } = comparisonTable(result, opts.confidence);
  const link = opts.reportLink ? ` ([report](${opts.reportLink}))` : '';
  const lines = [
    `### depthkit compare: ${result.passed ? 'PASS' : 'FAIL'}${link}`,
    '',
    `\`${result.candidateFile}\` against \`${result.baselineFile}\`, gate: ${result.gate}${result.key ? `, rows matched by \`${result.key}\` (${result.matchedRows})` : ''}`,
    '',
    `| ${columns.join(' | ')} |`,
    `|${columns.map((_, i) => (i === 0 ? ' --- ' : ' ---: ')).join('|')}|`,
    ...rows.map((r) => `| ${r.map((c, i) => escapeCell(i === columns.indexOf('verdict') && c === 'REGRESSED' ? '**REGRESSED**' : c)).join(' | ')} |`),
  ];
  const notes = [
    ...comparisonNotes(result),
    ...opts.protocol.map((d) => `protocol differs: ${d.field} = ${d.baseline} (baseline) vs ${d.candidate} (candidate)`),
  ];
  if (notes.length) lines.push('', ...notes.map((n) => `- ${escapeCell(n)}`));
  return `${lines.join('\n')}\n`;
}

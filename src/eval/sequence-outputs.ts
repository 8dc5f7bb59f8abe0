import { promises as fs } from 'node:fs';
import path from 'node:path';
import { FormatError } from '../errors.js';
import { writeFilesAtomic } from '../io/atomic.js';
import { csvContents, numericCell, readCsv, type CsvMeta, type CsvTable } from '../io/csv.js';
import { runRecordContent } from '../io/run-record.js';
import { SEQUENCE_METRICS } from '../metrics/sequence.js';
import { VIDEO_BENCHMARKS } from '../data/video-benchmarks/presets.js';
import { SEQUENCE_COLUMNS, type SequenceRow } from './sequence-row.js';

export const SEQUENCE_SUMMARY_COLUMNS = ['dataset', 'sequences', 'frames', ...SEQUENCE_METRICS, 'tae'] as const;
export type SequenceSummary = Record<(typeof SEQUENCE_SUMMARY_COLUMNS)[number], string | number>;

/** Labels of the papers' video table (Video Depth Anything Table 1, DepthCrafter Table 1): AbsRel and d1 per dataset, then TAE. */
const LABEL: Record<string, string> = { sintel: 'Sintel', scannet: 'ScanNet', 'kitti-video': 'KITTI', bonn: 'Bonn', 'nyuv2-video': 'NYUv2', 'scannet-tae': 'ScanNet TAE' };

const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);

/** Per dataset: the mean over its sequences (eval.py's np.mean over results_all; eval_tae.py's results_all / count). */
export function summarise(rows: readonly SequenceRow[]): SequenceSummary[] {
  const datasets = VIDEO_BENCHMARKS.filter((d) => rows.some((r) => r.dataset === d));
  return datasets.map((dataset) => {
    const mine = rows.filter((r) => r.dataset === dataset);
    const taes = mine.map((r) => r.tae).filter((t) => !Number.isNaN(t));
    return {
      dataset,
      sequences: mine.length,
      frames: mine.reduce((a, r) => a + r.frames, 0),
      ...Object.fromEntries(SEQUENCE_METRICS.map((m) => [m, mean(mine.map((r) => r[m]))])),
      tae: taes.length === mine.length ? mean(taes) : NaN,
    } as SequenceSummary;
  });
}

/** The paper table: one row, AbsRel and d1 of each accuracy set in the papers' dataset order, then TAE where measured. */
export function paperTable(summary: readonly SequenceSummary[]): { columns: string[]; row: Record<string, number>; markdown: string } {
  const cells: [string, string, number][] = [];
  for (const s of summary) {
    if (s.dataset !== 'scannet-tae') {
      cells.push([`${s.dataset}_abs_rel`, `${LABEL[s.dataset]} AbsRel ↓`, Number(s.abs_rel)]);
      cells.push([`${s.dataset}_d1`, `${LABEL[s.dataset]} δ1 ↑`, Number(s.d1)]);
    }
  }
  for (const s of summary) if (!Number.isNaN(Number(s.tae))) cells.push([`${s.dataset}_tae`, `${LABEL[s.dataset]} TAE ↓`.replace('TAE TAE', 'TAE'), Number(s.tae)]);
  const columns = cells.map((c) => c[0]);
  const markdown = `| ${cells.map((c) => c[1]).join(' | ')} |\n|${cells.map(() => '---:').join('|')}|\n| ${cells.map((c) => c[2].toFixed(3)).join(' | ')} |\n`;
  return { columns, row: Object.fromEntries(cells.map((c) => [c[0], c[2]])), markdown };
}

export function rowsFromSequenceCsv(table: CsvTable, file: string): SequenceRow[] {
  const missing = SEQUENCE_COLUMNS.find((c) => !table.columns.includes(c));
  if (missing) throw new FormatError(file, `has no column "${missing}" (is it a depthkit sequences.csv?)`);
  return table.rows.map((r, i) => {
    const num = (c: string) => numericCell(file, r, c, i);
    return { dataset: r.dataset, sequence: r.sequence, ...Object.fromEntries(SEQUENCE_COLUMNS.slice(2).map((c) => [c, num(c)])) } as SequenceRow;
  });
}

export async function readSequenceRows(file: string): Promise<{ rows: SequenceRow[]; meta?: CsvMeta }> {
  const table = await readCsv(file);
  return { rows: rowsFromSequenceCsv(table, file), meta: table.meta };
}

/** sequences.csv, summary.csv, and with several datasets table.csv + table.md, plus run.json: one atomic set. */
export async function writeSequenceOutputs(out: string, rows: readonly SequenceRow[], meta: CsvMeta, run: { started: string; inputs: Record<string, unknown> }): Promise<{ files: string[]; summary: SequenceSummary[]; table?: ReturnType<typeof paperTable> }> {
  const summary = summarise(rows);
  const table = summary.length > 1 ? paperTable(summary) : undefined;
  const names = ['sequences.csv', 'summary.csv', ...(table ? ['table.csv', 'table.md'] : [])];
  const record = runRecordContent(out, { kind: 'eval', started: run.started, protocol: meta as Record<string, string | number>, inputs: run.inputs, outputs: names });
  await fs.mkdir(out, { recursive: true });
  await writeFilesAtomic([
    ...csvContents(path.join(out, 'sequences.csv'), rows as unknown as Record<string, string | number>[], [...SEQUENCE_COLUMNS], meta),
    ...csvContents(path.join(out, 'summary.csv'), summary, [...SEQUENCE_SUMMARY_COLUMNS], meta),
    ...(table ? [...csvContents(path.join(out, 'table.csv'), [table.row], table.columns, meta), { file: path.join(out, 'table.md'), data: table.markdown }] : []),
    record,
  ]);
  return { files: [...names.map((n) => path.join(out, n)), record.file], summary, table };
}

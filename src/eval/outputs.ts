import path from 'node:path';
import { writeCsv, type CsvMeta } from '../io/csv.js';
import { writeRunRecord } from '../io/run-record.js';
import type { FolderEvalResult } from './folder.js';
import { PER_IMAGE_COLUMNS, SUMMARY_COLUMNS } from './folder.js';
import { protocolRecord, type EvalProtocol } from './protocol.js';

export interface ExtraOutputs {
  /** Added to (and overriding) the protocol metadata of every CSV. */
  meta?: CsvMeta;
  /** Also write table.csv: the summary's metrics in these columns (a paper's order). */
  table?: readonly string[];
}

/**
 * Writes per_image.csv and summary.csv (and table.csv when asked; each atomically, with the protocol in a sidecar)
 * and returns their paths. Nothing is written before the whole evaluation succeeded, so a failed run never leaves half a result.
 */
export async function writeEvalOutputs(
  outDir: string,
  result: FolderEvalResult,
  protocol: EvalProtocol,
  run: { started: string; inputs: Record<string, unknown> },
  extra: ExtraOutputs = {},
): Promise<string[]> {
  const meta = { ...protocolRecord(protocol), count: result.summary.count, skipped: result.skipped.length, resized: result.resizedCount, ...extra.meta };
  const perImage = path.join(outDir, 'per_image.csv');
  const summary = path.join(outDir, 'summary.csv');
  await writeCsv(perImage, result.rows as unknown as Record<string, string | number>[], PER_IMAGE_COLUMNS, meta);
  await writeCsv(summary, [result.summary], SUMMARY_COLUMNS, meta);
  const outputs = ['per_image.csv', 'summary.csv'];
  if (extra.table) {
    await writeCsv(path.join(outDir, 'table.csv'), [result.summary], [...extra.table], meta);
    outputs.push('table.csv');
  }
  const record = await writeRunRecord(outDir, {
    kind: 'eval',
    started: run.started,
    protocol: protocolRecord(protocol),
    inputs: run.inputs,
    outputs,
  });
  return [...outputs.map((f) => path.join(outDir, f)), record];
}

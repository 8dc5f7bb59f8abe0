import path from 'node:path';
import { writeFilesAtomic } from '../io/atomic.js';
import { csvContents, type CsvMeta } from '../io/csv.js';
import { runRecordContent } from '../io/run-record.js';
import { PER_IMAGE_COLUMNS, SUMMARY_COLUMNS, type FolderEvalResult } from './image-row.js';
import { protocolRecord, type EvalProtocol } from './protocol.js';

export interface ExtraOutputs {
  /** Added to (and overriding) the protocol metadata of every CSV. */
  meta?: CsvMeta;
  /** Also write table.csv: the summary's metrics in these columns (a paper's order). */
  table?: readonly string[];
}

/**
 * Writes per_image.csv and summary.csv (and table.csv when asked; with the protocol in sidecars) and run.json as one
 * atomic set, and returns their paths. Nothing is written before the whole evaluation succeeded, so a failed run never leaves half a result.
 */
export async function writeEvalOutputs(
  outDir: string,
  result: FolderEvalResult,
  protocol: EvalProtocol,
  run: { started: string; inputs: Record<string, unknown>; inputsRelative?: Record<string, string> },
  extra: ExtraOutputs = {},
): Promise<string[]> {
  const meta = { ...protocolRecord(protocol), count: result.summary.count, skipped: result.skipped.length, resized: result.resizedCount, ...extra.meta };
  const perImage = path.join(outDir, 'per_image.csv');
  const summary = path.join(outDir, 'summary.csv');
  const outputs = ['per_image.csv', 'summary.csv', ...(extra.table ? ['table.csv'] : [])];
  const record = runRecordContent(outDir, { kind: 'eval', started: run.started, protocol: protocolRecord(protocol), inputs: run.inputs, inputs_relative: run.inputsRelative, outputs });
  // One set: a full disk or a permission error while writing leaves every earlier file as it was.
  await writeFilesAtomic([
    ...csvContents(perImage, result.rows as unknown as Record<string, string | number>[], PER_IMAGE_COLUMNS, meta),
    ...csvContents(summary, [result.summary], SUMMARY_COLUMNS, meta),
    ...(extra.table ? csvContents(path.join(outDir, 'table.csv'), [result.summary], [...extra.table], meta) : []),
    record,
  ]);
  return [...outputs.map((f) => path.join(outDir, f)), record.file];
}

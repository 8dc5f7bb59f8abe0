import path from 'node:path';
import { writeCsv } from '../io/csv.js';
import { writeRunRecord } from '../io/run-record.js';
import type { FolderEvalResult } from './folder.js';
import { PER_IMAGE_COLUMNS, SUMMARY_COLUMNS } from './folder.js';
import { protocolRecord, type EvalProtocol } from './protocol.js';

/**
 * Writes per_image.csv and summary.csv (each atomically, with the protocol in a sidecar) and returns their paths.
 * Nothing is written before the whole evaluation succeeded, so a failed run never leaves half a result.
 */
export async function writeEvalOutputs(
  outDir: string,
  result: FolderEvalResult,
  protocol: EvalProtocol,
  run: { started: string; inputs: Record<string, unknown> },
): Promise<string[]> {
  const meta = { ...protocolRecord(protocol), count: result.summary.count, skipped: result.skipped.length, resized: result.resizedCount };
  const perImage = path.join(outDir, 'per_image.csv');
  const summary = path.join(outDir, 'summary.csv');
  await writeCsv(perImage, result.rows as unknown as Record<string, string | number>[], PER_IMAGE_COLUMNS, meta);
  await writeCsv(summary, [result.summary], SUMMARY_COLUMNS, meta);
  const record = await writeRunRecord(outDir, {
    kind: 'eval',
    started: run.started,
    protocol: protocolRecord(protocol),
    inputs: run.inputs,
    outputs: ['per_image.csv', 'summary.csv'],
  });
  return [perImage, summary, record];
}

import path from 'node:path';
import { writeFilesAtomic, type FileContent } from './atomic.js';
import { DEPTHKIT_VERSION } from '../version.js';

/** What every run folder records about how it was made (read by `depthkit report`). */
export interface RunRecord {
  kind: 'eval' | 'video' | 'train' | 'predict';
  started: string;
  protocol?: Record<string, string | number>;
  inputs?: Record<string, unknown>;
  options?: Record<string, unknown>;
  outputs: string[];
  [extra: string]: unknown;
}

/** `<dir>/run.json`'s bytes, stamped with the finish time and the versions in use (for writeFilesAtomic). */
export function runRecordContent(dir: string, record: RunRecord): FileContent {
  const full = {
    ...record,
    finished: new Date().toISOString(),
    command: `depthkit ${process.argv.slice(2).join(' ')}`,
    depthkit_version: DEPTHKIT_VERSION,
    node: process.version,
  };
  return { file: path.join(dir, 'run.json'), data: `${JSON.stringify(full, null, 2)}\n` };
}

/** Writes `<dir>/run.json` atomically; returns its path. */
export async function writeRunRecord(dir: string, record: RunRecord): Promise<string> {
  const content = runRecordContent(dir, record);
  await writeFilesAtomic([content]);
  return content.file;
}

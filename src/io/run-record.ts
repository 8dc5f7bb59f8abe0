import path from 'node:path';
import { writeFileAtomic } from './atomic.js';
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

/** Writes `<dir>/run.json` atomically, stamped with the finish time and the versions in use. */
export async function writeRunRecord(dir: string, record: RunRecord): Promise<string> {
  const file = path.join(dir, 'run.json');
  const full = {
    ...record,
    finished: new Date().toISOString(),
    command: `depthkit ${process.argv.slice(2).join(' ')}`,
    depthkit_version: DEPTHKIT_VERSION,
    node: process.version,
  };
  await writeFileAtomic(file, `${JSON.stringify(full, null, 2)}\n`);
  return file;
}

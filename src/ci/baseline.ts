import { promises as fs } from 'node:fs';
import path from 'node:path';
import { ensureWritableDir, writeFileAtomic } from '../io/atomic.js';
import { metaPath, readCsv, type CsvMeta } from '../io/csv.js';
import { DEPTHKIT_VERSION } from '../version.js';

/** What `<baseline>.baseline.json` records about where a baseline came from. */
export interface BaselineRecord {
  depthkit_version: string;
  date: string;
  source: string;
  rows: number;
  protocol: CsvMeta | null;
}

export function baselineRecordPath(baseline: string): string {
  return `${baseline}.baseline.json`;
}

/**
 * Replaces the baseline CSV with the candidate (and its sidecar; a stale baseline sidecar is removed when the
 * candidate has none), each file atomically, then writes the provenance record. The candidate is parsed first so
 * that a malformed file never becomes the baseline.
 */
export async function updateBaseline(candidate: string, baseline: string, now = new Date()): Promise<BaselineRecord> {
  const table = await readCsv(candidate);
  const bytes = await fs.readFile(candidate);
  await ensureWritableDir(path.dirname(baseline));
  await writeFileAtomic(baseline, bytes);
  if (table.meta) await writeFileAtomic(metaPath(baseline), await fs.readFile(metaPath(candidate)));
  else await fs.rm(metaPath(baseline), { force: true });
  const record: BaselineRecord = {
    depthkit_version: DEPTHKIT_VERSION,
    date: now.toISOString(),
    source: path.relative(path.dirname(path.resolve(baseline)), path.resolve(candidate)),
    rows: table.rows.length,
    protocol: table.meta ?? null,
  };
  await writeFileAtomic(baselineRecordPath(baseline), `${JSON.stringify(record, null, 2)}\n`);
  return record;
}

import { promises as fs } from 'node:fs';
import path from 'node:path';
import { writeFilesAtomic, type FileContent } from './atomic.js';
import { DEPTHKIT_VERSION } from '../version.js';

/** What every run folder records about how it was made (read by `depthkit report`). */
export interface RunRecord {
  kind: 'eval' | 'video' | 'train' | 'predict';
  started: string;
  protocol?: Record<string, string | number>;
  inputs?: Record<string, unknown>;
  /** The path inputs relative to the run folder (see recordedPaths). */
  inputs_relative?: Record<string, string>;
  options?: Record<string, unknown>;
  outputs: string[];
  [extra: string]: unknown;
}

/**
 * Input paths as run.json keeps them: `absolute` (resolved once, against the working directory of the command) and
 * `relative` to the run folder, so that `report` and strips find the inputs from any working directory, and still
 * find them after the run folder and its inputs moved together.
 */
export function recordedPaths(dir: string, paths: Record<string, string | null | undefined>): { absolute: Record<string, string>; relative: Record<string, string> } {
  const absolute: Record<string, string> = {};
  const relative: Record<string, string> = {};
  for (const [key, p] of Object.entries(paths)) {
    if (typeof p !== 'string') continue;
    absolute[key] = path.resolve(p);
    const rel = path.relative(path.resolve(dir), absolute[key]);
    // On another drive (Windows) there is no relative path.
    if (!path.isAbsolute(rel)) relative[key] = rel.split(path.sep).join('/') || '.';
  }
  return { absolute, relative };
}

/** `inputs` (absolute) and `inputsRelative` for a run record, from the paths as the user typed them. */
export function inputRecord(dir: string, paths: Record<string, string | null | undefined>): { inputs: Record<string, string>; inputsRelative: Record<string, string> } {
  const { absolute, relative } = recordedPaths(dir, paths);
  return { inputs: absolute, inputsRelative: relative };
}

/**
 * An input path a run.json names: the one relative to the run folder when it exists (the folders moved together),
 * else the absolute one. Older runs stored the path as typed; it is read relative to the run folder.
 */
export async function recordedInput(dir: string, runJson: Record<string, unknown> | undefined, key: string): Promise<string | undefined> {
  const pick = (field: string) => {
    const group = runJson?.[field];
    const v = group && typeof group === 'object' ? (group as Record<string, unknown>)[key] : undefined;
    return typeof v === 'string' ? v : undefined;
  };
  const rel = pick('inputs_relative');
  const stored = pick('inputs');
  if (rel !== undefined && (stored === undefined || (await fs.stat(path.resolve(dir, rel)).then(() => true, () => false)))) return path.resolve(dir, rel);
  return stored === undefined ? undefined : path.resolve(dir, stored);
}

/** `<dir>/run.json`'s bytes, stamped with the finish time and the versions in use (for writeFilesAtomic). */
export function runRecordContent(dir: string, record: RunRecord): FileContent {
  const full = {
    ...record,
    finished: new Date().toISOString(),
    // A run started from code (not the command line) may say so with `command: null`.
    command: record.command !== undefined ? record.command : `depthkit ${process.argv.slice(2).join(' ')}`,
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

import { promises as fs } from 'node:fs';
import path from 'node:path';
import { DepthkitError, FormatError } from '../errors.js';
import { isNumericText, numericCell, readCsv, type CsvTable } from '../io/csv.js';

export type RunKind = 'eval' | 'video';

/** A run folder as `depthkit eval` / `depthkit video` leave it (see docs/report.md for the files read). */
export interface RunFolder {
  dir: string;
  kind: RunKind;
  /** run.json, when the run wrote one (older eval runs did not). */
  runJson?: Record<string, unknown>;
  summary: CsvTable;
  /** per_image.csv (eval) or frames.csv (video). */
  rows: CsvTable;
}

const ROWS_FILE: Record<RunKind, string> = { eval: 'per_image.csv', video: 'frames.csv' };
const SEQUENCES_FILE = 'sequences.csv';

const exists = (file: string) => fs.access(file).then(() => true, () => false);

async function readRunJson(dir: string): Promise<Record<string, unknown> | undefined> {
  const file = path.join(dir, 'run.json');
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new FormatError(file, `cannot read (${(err as NodeJS.ErrnoException).code ?? 'error'})`, err);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new FormatError(file, 'is not valid JSON', err);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new FormatError(file, 'must be a JSON object');
  return parsed as Record<string, unknown>;
}

/**
 * Reads a run folder's results. The kind comes from run.json, else from which per-row CSV exists; a folder without
 * summary.csv and per_image.csv/frames.csv is not a run and is refused, naming the folder.
 */
export async function readRunFolder(dir: string): Promise<RunFolder> {
  const st = await fs.stat(dir).catch(() => undefined);
  if (!st?.isDirectory()) throw new DepthkitError('run folder not found', { file: dir });
  const runJson = await readRunJson(dir);
  const declared = runJson?.kind;
  let kind: RunKind | undefined = declared === 'eval' || declared === 'video' ? declared : undefined;
  if (!kind) {
    if (await exists(path.join(dir, ROWS_FILE.video))) kind = 'video';
    else if (await exists(path.join(dir, ROWS_FILE.eval)) || (await exists(path.join(dir, SEQUENCES_FILE)))) kind = 'eval';
  }
  const summaryFile = path.join(dir, 'summary.csv');
  // eval --dataset <video benchmarks> writes one row a sequence in sequences.csv instead of per_image.csv.
  const rowsPath = kind === 'eval' && !(await exists(path.join(dir, ROWS_FILE.eval))) ? path.join(dir, SEQUENCES_FILE) : path.join(dir, ROWS_FILE[kind ?? 'eval']);
  if (!kind || !(await exists(summaryFile)) || !(await exists(rowsPath))) {
    throw new DepthkitError('not a depthkit run folder: needs summary.csv and per_image.csv or sequences.csv (eval) or frames.csv (video)', { file: dir });
  }
  const [summary, rows] = await Promise.all([readCsv(summaryFile), readCsv(rowsPath)]);
  return { dir, kind, runJson, summary, rows };
}

/** Refuses a run of the other kind, naming the folder. */
export function requireKind(run: RunFolder, kind: RunKind): void {
  const a = (k: RunKind) => (k === 'eval' ? 'an eval' : 'a video');
  if (run.kind !== kind) throw new DepthkitError(`holds ${a(run.kind)} run, not ${a(kind)} run`, { file: run.dir });
}

/** The per-row CSV's path, for error messages. */
export function rowsFile(run: RunFolder): string {
  return path.join(run.dir, run.kind === 'eval' && run.rows.columns.includes('sequence') ? SEQUENCES_FILE : ROWS_FILE[run.kind]);
}

/** A numeric cell, or undefined when it is empty (pair metrics of a first frame) or not a number at all. */
export function optionalNumber(file: string, row: Record<string, string>, column: string): number | undefined {
  const text = row[column];
  if (text === undefined || !isNumericText(text)) return undefined;
  return numericCell(file, row, column);
}

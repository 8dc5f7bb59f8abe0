import { promises as fs } from 'node:fs';
import Papa from 'papaparse';
import { FormatError } from '../errors.js';
import { writeFilesAtomic, type FileContent } from './atomic.js';
import { DEPTHKIT_VERSION } from '../version.js';

/** Flat protocol metadata kept beside a CSV in `<file>.meta.json` (crop, caps, alignment, scope, count, version). */
export type CsvMeta = Record<string, string | number | boolean | null>;

export interface CsvTable {
  columns: string[];
  rows: Record<string, string>[];
  /** The sidecar's content, when `<file>.meta.json` exists. */
  meta?: CsvMeta;
}


export function metaPath(file: string): string {
  return `${file}.meta.json`;
}

/** Shortest round-trip text of a number; NaN and infinities in the spelling numpy and pandas read back. */
export function formatCsvNumber(n: number): string {
  if (Number.isNaN(n)) return 'nan';
  if (n === Infinity) return 'inf';
  if (n === -Infinity) return '-inf';
  return String(n);
}

/** A CSV's bytes (and, with `meta`, its sidecar's, stamped with the depthkit version), for writeFilesAtomic. */
export function csvContents(file: string, rows: Record<string, string | number>[], columns: string[], meta?: CsvMeta): FileContent[] {
  const data = rows.map((r) => columns.map((c) => {
    const v = r[c];
    return typeof v === 'number' ? formatCsvNumber(v) : (v ?? '');
  }));
  const csv = { file, data: `${Papa.unparse({ fields: columns, data }, { newline: '\n' })}\n` };
  return meta ? [csv, csvMetaContent(file, meta)] : [csv];
}

/** The `.meta.json` sidecar of `file`, stamped with the depthkit version, for writeFilesAtomic. */
export function csvMetaContent(file: string, meta: CsvMeta): FileContent {
  return { file: metaPath(file), data: `${JSON.stringify({ ...meta, depthkit_version: meta.depthkit_version ?? DEPTHKIT_VERSION }, null, 2)}\n` };
}

/**
 * Writes a CSV (and, with `meta`, its sidecar) atomically, the pair together: a failed write leaves both as they
 * were, so a sidecar never describes a file that was not written; without `meta` a stale sidecar is removed, since
 * it would describe an earlier run.
 */
export async function writeCsv(file: string, rows: Record<string, string | number>[], columns: string[], meta?: CsvMeta): Promise<void> {
  await writeFilesAtomic(csvContents(file, rows, columns, meta));
  if (!meta) await fs.rm(metaPath(file), { force: true });
}

async function readText(file: string): Promise<string | undefined> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    throw new FormatError(file, `cannot read (${code ?? 'error'})`, err);
  }
}

/** True when the text parses as a number (including nan/inf). */
export function isNumericText(text: string): boolean {
  return parseNumber(text) !== undefined;
}

function parseNumber(text: string): number | undefined {
  const s = text.trim();
  const lower = s.toLowerCase();
  if (lower === 'nan') return NaN;
  if (lower === 'inf' || lower === '+inf' || lower === 'infinity') return Infinity;
  if (lower === '-inf' || lower === '-infinity') return -Infinity;
  if (s === '') return undefined;
  const n = Number(s);
  return Number.isNaN(n) ? undefined : n;
}

async function readMeta(file: string): Promise<CsvMeta | undefined> {
  const sidecar = metaPath(file);
  const text = await readText(sidecar);
  if (text === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new FormatError(sidecar, 'is not valid JSON', err);
  }
  const flat = parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)
    && Object.values(parsed).every((v) => v === null || ['string', 'number', 'boolean'].includes(typeof v));
  if (!flat) throw new FormatError(sidecar, 'must be a flat JSON object of strings and numbers');
  return parsed as CsvMeta;
}

/** Reads a CSV with a header row (and its sidecar metadata if present); malformed files are a FormatError. */
export async function readCsv(file: string): Promise<CsvTable> {
  const text = await readText(file);
  if (text === undefined) throw new FormatError(file, 'file not found');
  const parsed = Papa.parse<string[]>(text.replace(/^\uFEFF/, ''), { header: false, skipEmptyLines: true });
  const bad = parsed.errors.find((e) => e.type !== 'Delimiter');
  if (bad) throw new FormatError(file, `row ${(bad.row ?? 0) + 1}: ${bad.message}`);
  const [header, ...body] = parsed.data;
  if (!header) throw new FormatError(file, 'empty file');
  const columns = header.map((c) => c.trim());
  if (columns.some((c) => c === '' || isNumericText(c))) throw new FormatError(file, 'no header row (first line must name the columns)');
  const dup = columns.find((c, i) => columns.indexOf(c) !== i);
  if (dup) throw new FormatError(file, `column "${dup}" appears twice in the header`);
  const rows = body.map((cells, i) => {
    if (cells.length !== columns.length) {
      throw new FormatError(file, `row ${i + 2} has ${cells.length} cells, the header has ${columns.length}`);
    }
    return Object.fromEntries(columns.map((c, j) => [c, cells[j]]));
  });
  return { columns, rows, meta: await readMeta(file) };
}

/** A numeric cell; `nan`/`NaN` is NaN, `inf` is Infinity. `row` is the 0-based data row (reported 1-based + header). */
export function numericCell(file: string, row: Record<string, string>, col: string, rowIndex?: number): number {
  const n = parseNumber(row[col] ?? '');
  if (n === undefined) {
    const where = rowIndex === undefined ? '' : `row ${rowIndex + 2}, `;
    throw new FormatError(file, `${where}column "${col}": "${row[col] ?? ''}" is not a number`);
  }
  return n;
}

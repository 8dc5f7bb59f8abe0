import { promises as fs } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import Papa from 'papaparse';
import { DepthkitError } from '../errors.js';
import { atomicTempPath, describeWriteError } from '../io/atomic.js';
import { formatCsvNumber } from '../io/csv.js';

/** Lines are written in blocks of about this many characters. */
const BLOCK = 1 << 16;

/**
 * The per-frame rows of a video run, written to disk as they come instead of kept until the end, so that memory
 * does not grow with the video's length (a 2-hour video at 25 fps is 180,000 rows a source). Each source has its
 * own spool, a hidden temp file beside the CSV named like writeFileAtomic's (`.frames.csv.tmp-<pid>-<hex>`: all
 * a crash can leave, and removed by the next run's ensureWritableDir); stage() joins the spools in source
 * order into one complete, fsynced temp file, byte-identical to writeCsv of the rows grouped by source, which the
 * caller renames into place together with the run's other outputs. The summary's means are kept as running sums,
 * added in the same order as a sum over the rows.
 */
export interface FrameLog {
  append(source: number, row: Record<string, string | number>): Promise<void>;
  /** Rows appended for `source`. */
  count(source: number): number;
  /** Mean of the finite numbers in `column` over the rows of `source`; NaN when there are none. */
  mean(source: number, column: string): number;
  /** Joins the spools into the first one, fsyncs and closes it, and returns its path: the whole CSV, not yet renamed. */
  stage(): Promise<string>;
  /** Removes the spools (or the staged file); the final file is never touched. */
  abort(): Promise<void>;
}

interface Spool {
  file: string;
  handle: FileHandle;
  pending: string;
  rows: number;
  sums: Float64Array;
  counts: Float64Array;
}

const csvLine = (cells: string[]) => `${Papa.unparse([cells], { newline: '\n' })}\n`;

/** A frame log for `sources` sources (at least one) whose rows have these columns. */
export async function openFrameLog(file: string, columns: string[], sources: number): Promise<FrameLog> {
  if (!(Number.isInteger(sources) && sources >= 1)) throw new RangeError(`a frame log needs at least one source (got ${sources})`);
  const fail = (err: unknown): never => {
    if (err instanceof DepthkitError) throw err;
    throw new DepthkitError(`cannot write, ${describeWriteError(err)}`, { file, exitCode: 1, cause: err });
  };
  const spools: Spool[] = [];
  const closeAll = async () => {
    await Promise.allSettled(spools.map((s) => s.handle.close()));
    await Promise.allSettled(spools.map((s) => fs.rm(s.file, { force: true })));
  };
  try {
    for (let k = 0; k < sources; k++) {
      const spool = atomicTempPath(file);
      spools.push({ file: spool, handle: await fs.open(spool, 'wx'), pending: '', rows: 0, sums: new Float64Array(columns.length), counts: new Float64Array(columns.length) });
    }
  } catch (err) {
    await closeAll();
    fail(err);
  }
  const flush = async (s: Spool) => {
    if (!s.pending) return;
    const text = s.pending;
    s.pending = '';
    await s.handle.write(text).catch(fail);
  };
  const spoolOf = (k: number) => {
    const s = spools[k];
    if (!s) throw new RangeError(`frame log has ${spools.length} sources; source ${k} was asked for`);
    return s;
  };
  spools[0].pending = csvLine(columns);
  let state: 'open' | 'staged' | 'aborted' = 'open';

  return {
    async append(k, row) {
      if (state !== 'open') throw new DepthkitError(`row appended after the frame log was ${state}`, { file });
      const s = spoolOf(k);
      const cells = columns.map((c, i) => {
        const v = row[c];
        if (typeof v !== 'number') return v ?? '';
        if (Number.isFinite(v)) {
          s.sums[i] += v;
          s.counts[i]++;
        }
        return formatCsvNumber(v);
      });
      s.pending += csvLine(cells);
      s.rows++;
      if (s.pending.length >= BLOCK) await flush(s);
    },
    count: (k) => spoolOf(k).rows,
    mean(k, column) {
      const s = spoolOf(k);
      const i = columns.indexOf(column);
      return i >= 0 && s.counts[i] > 0 ? s.sums[i] / s.counts[i] : NaN;
    },
    async stage() {
      if (state !== 'open') throw new DepthkitError(`frame log staged after it was ${state}`, { file });
      state = 'staged';
      try {
        const [first, ...rest] = spools;
        await flush(first);
        for (const s of rest) {
          await flush(s);
          await s.handle.close();
          for await (const chunk of (await fs.open(s.file, 'r')).createReadStream()) await first.handle.write(chunk as Buffer);
          await fs.rm(s.file, { force: true });
        }
        await first.handle.sync();
        await first.handle.close();
        return first.file;
      } catch (err) {
        await closeAll();
        return fail(err);
      }
    },
    async abort() {
      if (state === 'aborted') return;
      state = 'aborted';
      await closeAll();
    },
  };
}

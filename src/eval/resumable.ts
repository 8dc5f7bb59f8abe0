import { promises as fs } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { DepthkitError } from '../errors.js';
import { metaPath, readCsv, writeCsv, type CsvMeta } from '../io/csv.js';
import { mapConcurrent } from './concurrency.js';
import { PER_IMAGE_COLUMNS, type ImageRow } from './image-row.js';
import { rowsFromCsv } from './shard.js';

/** Where an eval run keeps the rows done so far, in its output folder, until the run's outputs are complete. */
export const PARTIAL_FILE = 'per_image.partial.csv';

/** How a run saves its progress: per_image.partial.csv and the settings its rows depend on. */
export interface PartialOptions {
  file: string;
  /** Stored in the sidecar; a partial file written under other settings is refused on resume. */
  meta: CsvMeta;
  /** Take the rows of an earlier run's partial file instead of evaluating those images again. */
  resume: boolean;
  /** The fewest images between two rewrites of the partial file (default: 16, or the concurrency if larger); more
   * when a rewrite would otherwise take over SAVE_SHARE of the run. */
  flushEvery?: number;
}

/** The share of a run's time that rewriting the partial file may take, once chunks of flushEvery are too short. */
const SAVE_SHARE = 0.05;

/** A run that stopped on its AbortSignal, after saving the images done to the partial file. */
export class EvalStopped extends DepthkitError {
  constructor(readonly done: number, readonly total: number, saved: string | undefined, pending?: string) {
    super(`stopped after ${done} of ${total} image(s)${done && saved ? ` (saved in ${saved})` : ''}${pending ? `, ${pending}` : ''}`);
    this.name = 'EvalStopped';
  }
}

/** What a command gives a run: the stop signal, progress callbacks, and extras drawn from the written results. */
export interface RunHooks {
  /** Once aborted no image starts; the ones in flight finish and are saved in the partial file. */
  signal?: AbortSignal;
  /** Written after the results (plots, strips), before the partial file is removed. */
  extras?: (outDir: string) => Promise<string[]>;
  /** Called once the images left to evaluate are known (resumed ones excluded). */
  onStart?: (todo: number) => void;
  onImage?: (row: ImageRow) => void;
  /** Progress lines for --verbose. */
  log?: (line: string) => void;
}

export interface ResumableRun<T> extends Omit<RunHooks, 'extras'> {
  /** Every image of the run, in output order. */
  items: readonly T[];
  nameOf: (item: T) => string;
  /** Items given to one evaluate() call, and calls in flight together. */
  batchSize: number;
  concurrency: number;
  /** One row per item of the batch, in its order. */
  evaluate: (batch: T[]) => Promise<ImageRow[]>;
  /** Without it nothing is saved or resumed. */
  partial?: PartialOptions;
}

/** Rows of an earlier run of the same settings, by image name (none when there is no partial file). */
async function readPartial(p: PartialOptions): Promise<Map<string, ImageRow>> {
  if (!(await fs.access(p.file).then(() => true, () => false))) return new Map();
  const table = await readCsv(p.file);
  const old = table.meta ?? {};
  const diff = Object.keys(p.meta).find((k) => old[k] !== p.meta[k]);
  if (diff !== undefined) {
    throw new DepthkitError(`was written with other settings (${diff}: ${old[diff] ?? 'absent'} vs ${p.meta[diff]}); delete it or run without --resume`, { file: p.file });
  }
  return new Map(rowsFromCsv(table, p.file).map((r) => [r.name, r]));
}

/**
 * Evaluates the items in chunks, rewriting the partial file (atomically) after each chunk, also when an image
 * failed or the signal stopped the run, so that a crash or an interruption costs at most the chunk in flight.
 * Resuming takes the saved rows and evaluates only the others; rows come back in item order either way, so a
 * resumed run ends with exactly the rows of an uninterrupted one.
 */
export async function evaluateResumable<T>(r: ResumableRun<T>): Promise<{ rows: ImageRow[]; resumed: number }> {
  const names = new Set(r.items.map(r.nameOf));
  const done = r.partial?.resume ? await readPartial(r.partial) : new Map<string, ImageRow>();
  for (const name of done.keys()) if (!names.has(name)) done.delete(name);
  const resumed = done.size;
  const todo = r.items.filter((item) => !done.has(r.nameOf(item)));
  const ordered = () => r.items.flatMap((item) => done.get(r.nameOf(item)) ?? []);
  const partialName = r.partial && path.basename(r.partial.file);
  r.log?.(`evaluating ${todo.length} image(s)${resumed ? `, ${resumed} taken from ${partialName}` : ''}`);
  r.onStart?.(todo.length);
  let saved = resumed;
  const save = async () => {
    if (!r.partial || done.size === saved) return;
    await writeCsv(r.partial.file, ordered() as unknown as Record<string, number | string>[], PER_IMAGE_COLUMNS, r.partial.meta);
    saved = done.size;
    r.log?.(`saved ${saved} of ${r.items.length} image(s) in ${partialName}`);
  };
  const flushEvery = r.partial?.flushEvery ?? Math.max(16, r.concurrency);
  // A rewrite grows with the rows done, so a fixed interval would make saving quadratic in the run's length (a
  // 200,000-frame folder: 12,500 rewrites averaging 100,000 rows). Chunks grow instead, keeping saves near
  // SAVE_SHARE of the time: a crash then costs at most about 1/SAVE_SHARE times one save's duration.
  let evalMs = 0;
  let saveMs = 0;
  let evaluated = 0;
  for (let start = 0, size = flushEvery; start < todo.length; start += size) {
    if (saveMs > 0 && evaluated > 0) size = Math.max(flushEvery, Math.ceil((evaluated / evalMs) * (saveMs / SAVE_SHARE)));
    const chunk = todo.slice(start, start + size);
    const began = performance.now();
    const batches = Array.from({ length: Math.ceil(chunk.length / r.batchSize) }, (_, i) => chunk.slice(i * r.batchSize, (i + 1) * r.batchSize));
    const failure = await mapConcurrent(batches, r.concurrency, async (batch) => {
      if (r.signal?.aborted) return;
      const rows = await r.evaluate(batch);
      for (const row of rows) {
        done.set(row.name, row);
        r.onImage?.(row);
      }
    }).then(() => undefined, (err: unknown) => ({ err }));
    const saving = performance.now();
    evalMs += saving - began;
    evaluated += chunk.length;
    await save();
    saveMs = performance.now() - saving;
    if (failure) throw failure.err;
    if (r.signal?.aborted && done.size < r.items.length) throw new EvalStopped(done.size, r.items.length, r.partial?.file);
  }
  return { rows: ordered(), resumed };
}

export interface CompleteRun {
  partialFile?: string;
  signal?: AbortSignal;
  count: number;
  /** Writes the run's result files (CSVs, run.json). */
  outputs: () => Promise<string[]>;
  /** Drawn from the written results (plots, strips); skipped when the signal stopped the run. */
  extras?: () => Promise<string[]>;
  log?: (line: string) => void;
}

/**
 * The end of a resumable run: the result files, then what is drawn from them, then the partial file goes. Until
 * that last step the partial file holds every row, so a run killed or stopped here resumes without evaluating
 * anything again and rewrites the same files.
 */
export async function completeRun(c: CompleteRun): Promise<string[]> {
  const files = await c.outputs();
  c.log?.(`wrote ${files.map((f) => path.basename(f)).join(', ')}`);
  if (c.extras) {
    if (c.signal?.aborted) throw new EvalStopped(c.count, c.count, c.partialFile, 'results written, plots not drawn');
    files.push(...(await c.extras()));
  }
  if (c.partialFile) await Promise.all([c.partialFile, metaPath(c.partialFile)].map((f) => fs.rm(f, { force: true })));
  return files;
}

import { promises as fs } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { DepthkitError } from '../errors.js';
import { writeCsv, type CsvMeta } from '../io/csv.js';
import { listBenchmarkSequences, type BenchmarkSequence } from '../data/video-benchmarks/index.js';
import { formatCrop, PRESETS, presetWindow, type VideoBenchmark, type WindowName } from '../data/video-benchmarks/presets.js';
import { formatShard, sameRun, shardSlice, type Shard } from './shard.js';
import { evaluateSequence, SEQUENCE_COLUMNS, type SequenceEvalSettings, type SequenceRow } from './sequence-row.js';
import { readSequenceRows, writeSequenceOutputs } from './sequence-outputs.js';
import { startSequencePool } from './sequence-pool.js';

export const SEQUENCE_PARTIAL = 'sequences.partial.csv';
const WORKER_FRAMES = 8;

export interface SequenceRunOptions extends Omit<SequenceEvalSettings, 'onFrame'> {
  datasets: VideoBenchmark[];
  dataPath: string;
  window: WindowName;
  shard?: Shard;
  out: string;
  resume: boolean;
  signal?: AbortSignal;
  onStart?: (sequences: number, frames: number) => void;
  onSequence?: (row: SequenceRow, done: number, total: number) => void;
  onFrame?: () => void;
}

/** The protocol every output's sidecar states: what each dataset's numbers mean. */
export function sequenceMeta(o: SequenceRunOptions): CsvMeta {
  const meta: CsvMeta = {
    protocol: 'video-depth-anything benchmark/eval (DepthCrafter protocol)',
    datasets: o.datasets.join(','),
    window: o.window,
    pred_kind: o.predKind,
    align: 'scale-shift',
    align_space: 'disparity',
    align_scope: 'sequence',
    clip: 'pred disparity >= 1e-3 before the fit; aligned disparity >= 1e-3; depth in [1e-3, max]',
    valid: '1e-3 < gt < max',
    averaging: 'per frame (frames without valid pixels dropped), mean over frames, mean over sequences; log10 pooled per sequence',
    tae_zbuffer: o.zbuffer,
    allow_missing: o.allowMissing,
    shard: formatShard(o.shard),
  };
  for (const d of o.datasets) {
    const p = PRESETS[d];
    const w = presetWindow(p, o.window);
    Object.assign(meta, { [`${d}_max_depth`]: p.maxDepth, [`${d}_crop`]: formatCrop(p.crop), [`${d}_frames`]: `${w.json} or native [${w.start}:${w.end}:${w.step}], then [${w.first}:${w.first + w.cap}]` });
  }
  return meta;
}

const keyOf = (r: { dataset: string; sequence?: string; name?: string }) => `${r.dataset}/${r.sequence ?? r.name}`;

async function resumed(o: SequenceRunOptions, meta: CsvMeta): Promise<Map<string, SequenceRow>> {
  const file = path.join(o.out, SEQUENCE_PARTIAL);
  if (!o.resume) return new Map();
  const got = await readSequenceRows(file).catch((err: NodeJS.ErrnoException & { message: string }) => {
    if (/file not found/.test(err.message)) return undefined;
    throw err;
  });
  if (!got) return new Map();
  const diff = !got.meta ? 'no sidecar' : sameRun(got.meta, meta) ?? (got.meta.shard !== meta.shard ? `shard (${got.meta.shard} vs ${meta.shard})` : undefined);
  if (diff) throw new DepthkitError(`${file}: written under other settings (${diff}); use another --out or drop --resume`);
  return new Map(got.rows.map((r) => [keyOf(r), r]));
}

/**
 * `eval --dataset sintel,scannet,...`: lists every dataset's sequences, takes this shard's contiguous part, skips
 * the sequences a resumed partial file holds, evaluates the rest one at a time (saving after each), then writes
 * the outputs and removes the partial file.
 */
export async function runSequenceEval(o: SequenceRunOptions) {
  const started = new Date().toISOString();
  const all: BenchmarkSequence[] = [];
  for (const d of o.datasets) all.push(...(await listBenchmarkSequences(o.dataPath, d, o.window)));
  const mine = shardSlice(all, o.shard);
  const meta = sequenceMeta(o);
  await fs.mkdir(o.out, { recursive: true });
  const done = await resumed(o, meta);
  const todo = mine.filter((s) => !done.has(keyOf({ dataset: s.dataset, sequence: s.name })));
  o.onStart?.(todo.length, todo.reduce((a, s) => a + s.frames.length, 0));
  const rows = new Map(done);
  const partial = path.join(o.out, SEQUENCE_PARTIAL);
  // A thread a core reads and computes the frames (a few frames are not worth starting threads for).
  const frames = todo.reduce((a, s) => a + s.frames.length, 0);
  const runner = frames >= WORKER_FRAMES ? startSequencePool(availableParallelism()) : undefined;
  try {
    for (const seq of todo) {
      if (o.signal?.aborted) throw new DepthkitError(`stopped after ${rows.size} of ${mine.length} sequence(s) (saved in ${partial}); run the same command with --resume to continue`);
      const row = await evaluateSequence(seq, { ...o, runner });
      rows.set(keyOf(row), row);
      await writeCsv(partial, [...rows.values()] as unknown as Record<string, string | number>[], [...SEQUENCE_COLUMNS], meta);
      o.onSequence?.(row, rows.size, mine.length);
    }
  } finally {
    await runner?.dispose();
  }
  const ordered = mine.map((s) => rows.get(keyOf({ dataset: s.dataset, sequence: s.name }))!);
  const result = await writeSequenceOutputs(o.out, ordered, { ...meta, count: ordered.length }, {
    started,
    inputs: { data_path: o.dataPath, pred: o.pred, datasets: o.datasets },
  });
  await fs.rm(partial, { force: true });
  await fs.rm(`${partial}.meta.json`, { force: true });
  return { ...result, rows: ordered, meta };
}

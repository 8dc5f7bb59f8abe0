import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DepthkitError } from '../errors.js';
import { ensureWritableDir } from '../io/atomic.js';
import type { CsvMeta } from '../io/csv.js';
import type { DepthModel } from '../model/depth-model.js';
import type { EngineRequest } from '../model/engine.js';
import { findMissing, missingError, type MissingEntry } from '../data/missing.js';
import type { NyuDepthKey } from '../data/nyu-mat.js';
import { indexPredictions } from '../data/predictions.js';
import { filePredictor, modelPredictor } from '../data/predictor.js';
import { treeSource, type DatasetSource } from '../data/source.js';
import { loadNyuTestIndices, loadSplit, nyuMatIndex, type SplitList, type SplitName } from '../data/split.js';
import { PAPER_COLUMNS } from '../data/table.js';
import { resultFromRows } from './folder.js';
import { evaluatePair, PER_IMAGE_COLUMNS, type FolderEvalResult, type ImageRow } from './image-row.js';
import { writeEvalOutputs } from './outputs.js';
import { checkImageScope, protocolRecord, type DatasetName, type EvalProtocol } from './protocol.js';
import { completeRun, evaluateResumable, PARTIAL_FILE, type RunHooks } from './resumable.js';
import { formatShard, shardSlice, type Shard } from './shard.js';
import { resolveShard } from './shard-auto.js';
import { inputRecord } from '../io/run-record.js';

export interface DatasetEvalOptions extends RunHooks {
  dataset: DatasetName;
  split: SplitName;
  /** The dataset's folder (BTS layout) or, for NYU, nyu_depth_v2_labeled.mat. */
  dataPath: string;
  /** Ground-truth folder when it is not dataPath (KITTI's data_depth_annotated, as BTS's --gt_path). */
  gtPath?: string;
  /** Folder of another model's predictions (docs/datasets.md: naming)... */
  pred?: string;
  /** ...or the built-in model, loaded only once the dataset checked out. */
  model?: () => Promise<DepthModel>;
  protocol: EvalProtocol;
  /** First N entries of the list (after `None` ground truth is dropped), before sharding. */
  limit?: number;
  shard?: Shard;
  /** Continue from outDir's per_image.partial.csv, skipping the images it holds. */
  resume?: boolean;
  allowMissing?: boolean;
  skipInvalid?: boolean;
  concurrency?: number;
  /** Images between two atomic rewrites of per_image.partial.csv. */
  flushEvery?: number;
  /** NYU .mat only: which depth array is the ground truth (BTS extracts rawDepths). */
  matDepth?: NyuDepthKey;
  outDir: string;
  started: string;
}

export interface DatasetEvalReport {
  result: FolderEvalResult;
  protocol: EvalProtocol;
  meta: CsvMeta;
  files: string[];
  missing: MissingEntry[];
  /** Images taken from the partial file of an earlier run. */
  resumed: number;
  noGt: number;
}

/** Metadata of a dataset run in a fixed key order, shared by single runs, partial files and merges. */
export function datasetMeta(identity: CsvMeta, n: { shard: string; entries: number; count: number; missing: number; skipped: number; resized: number }): CsvMeta {
  return { ...identity, shard: n.shard, entries: n.entries, count: n.count, missing: n.missing, skipped: n.skipped, resized: n.resized };
}

async function openSource(opts: DatasetEvalOptions, list: SplitList, isMat: boolean, gtScale: number): Promise<DatasetSource> {
  if (!isMat) return treeSource(opts.dataPath, opts.gtPath ?? opts.dataPath, gtScale);
  if (opts.dataset !== 'nyu') throw new DepthkitError('a file as --data-path is read as the NYU labeled .mat; KITTI needs its folder', { file: opts.dataPath });
  const indices = new Set(await loadNyuTestIndices());
  const stray = list.entries.find((e) => !indices.has(nyuMatIndex(e)));
  if (stray || indices.size !== list.entries.length) throw new DepthkitError(`${list.file} and splits/nyu_test_indices.txt disagree${stray ? ` on ${stray.rgb}` : ''}`);
  // h5wasm takes seconds to load: only runs on the NYU .mat pay for it.
  return (await import('../data/nyu-mat.js')).matSource(opts.dataPath, opts.matDepth);
}

/**
 * `depthkit eval --dataset nyu|kitti --data-path`: the split list (limited, sharded), the dataset checked against it
 * before anything runs, every image evaluated by the protocol, per_image/summary/table written. Progress is saved
 * to per_image.partial.csv as it goes, so that `resume` continues an interrupted run to the same result.
 */
export async function runDatasetEval(opts: DatasetEvalOptions): Promise<DatasetEvalReport> {
  if (!opts.pred === !opts.model) throw new DepthkitError('dataset evaluation needs either --pred <folder of predictions> or --checkpoint (the built-in model)');
  const list = await loadSplit(opts.dataset, opts.split);
  const limited = opts.limit === undefined ? list.entries : list.entries.slice(0, opts.limit);
  const wanted = shardSlice(limited, opts.shard);
  const st = await fs.stat(opts.dataPath).catch(() => undefined);
  if (!st) throw new DepthkitError('dataset not found (depthkit never downloads datasets: see docs/datasets.md)', { file: opts.dataPath });
  // The .mat holds metres as float; only PNG ground truth has a scale.
  const protocol = st.isFile() ? { ...opts.protocol, gtScale: 1 } : opts.protocol;
  const source = await openSource(opts, list, st.isFile(), protocol.gtScale);
  try {
    const predFiles = opts.pred ? await indexPredictions(opts.pred, wanted) : undefined;
    const missing = await findMissing(wanted, async (e) => {
      const files = await source.missingFiles(e, !predFiles);
      return predFiles && !predFiles.get(e.name) ? [...files, path.join(opts.pred!, `${e.name}.npy`)] : files;
    });
    if (missing.length && !opts.allowMissing) throw missingError(missing, wanted.length, `images of the ${opts.dataset} ${opts.split} split`);
    const absent = new Set(missing.map((m) => m.entry.name));
    const entries = wanted.filter((e) => !absent.has(e.name));
    if (entries.length === 0) throw new DepthkitError(`none of the ${wanted.length} images of the split is complete under ${source.location}`);
    await ensureWritableDir(opts.outDir);

    const identity: CsvMeta = { split: opts.split, layout: source.layout, limit: opts.limit ?? 'none', no_gt: list.noGt, predictions: predFiles ? 'files' : 'model' };
    const partialFile = path.join(opts.outDir, PARTIAL_FILE);
    const partialMeta: CsvMeta = { ...protocolRecord(protocol), ...identity, shard: formatShard(opts.shard), entries: wanted.length };
    const concurrency = opts.concurrency ?? os.availableParallelism() * 2;
    const model = opts.model ? await opts.model() : undefined;
    let evaluated: { rows: ImageRow[]; resumed: number };
    try {
      const predictor = model ? modelPredictor(model, source, opts.dataset) : filePredictor(predFiles!, protocol.predScale, concurrency);
      evaluated = await evaluateResumable({
        items: entries,
        nameOf: (e) => e.name,
        batchSize: predictor.batchSize,
        concurrency: predictor.concurrency,
        evaluate: async (batch) => {
          const [preds, gts] = await Promise.all([predictor.predict(batch), Promise.all(batch.map((e) => source.readGt(e)))]);
          return batch.map((e, i) => evaluatePair(e.name, preds[i], gts[i], protocol, predFiles?.get(e.name) ?? e.name));
        },
        partial: { file: partialFile, meta: partialMeta, resume: opts.resume ?? false, flushEvery: opts.flushEvery },
        signal: opts.signal,
        onStart: opts.onStart,
        onImage: opts.onImage,
        log: opts.log,
      });
    } finally {
      await model?.dispose();
    }
    const result = resultFromRows(evaluated.rows, {
      skipInvalid: opts.skipInvalid,
      pool: protocol.pool,
      invalid: (row) => new DepthkitError(`ground truth of ${row.name} has no valid pixel (${protocol.minDepth} < depth < ${protocol.maxDepth} inside crop ${protocol.crop}); use --skip-invalid to drop such images`),
      none: () => new DepthkitError(`no image of the split has valid ground truth under ${source.location}`),
    });
    const meta = datasetMeta(identity, {
      shard: formatShard(opts.shard), entries: wanted.length, count: result.rows.length, missing: missing.length, skipped: result.skipped.length, resized: result.resizedCount,
    });
    const paths = inputRecord(opts.outDir, { data_path: opts.dataPath, gt_path: opts.gtPath ?? opts.dataPath, pred: opts.pred });
    const inputs = { dataset: opts.dataset, pred: null, ...paths.inputs, model: model?.description ?? null };
    const files = await completeRun({
      partialFile,
      signal: opts.signal,
      count: evaluated.rows.length,
      outputs: () => writeEvalOutputs(opts.outDir, result, protocol, { started: opts.started, inputs, inputsRelative: paths.inputsRelative }, { meta, table: PAPER_COLUMNS[opts.dataset] }),
      extras: opts.extras && (() => opts.extras!(opts.outDir)),
      log: opts.log,
    });
    return { result, protocol, meta, files, missing, resumed: evaluated.resumed, noGt: list.noGt };
  } finally {
    source.close();
  }
}

/** The eval command's flags that benchmark mode reads. */
export interface DatasetFlags {
  dataset?: string;
  split: string;
  'data-path': string;
  'gt-path'?: string;
  pred?: string;
  checkpoint?: string;
  clip?: string;
  backend: string;
  workers?: number;
  limit?: number;
  shard?: string;
  'shard-count'?: number;
  resume: boolean;
  'allow-missing': boolean;
  'skip-invalid': boolean;
  concurrency?: number;
  out: string;
}

export function datasetOptions(
  flags: DatasetFlags,
  protocol: EvalProtocol,
  hooks: RunHooks,
): DatasetEvalOptions {
  checkImageScope(protocol);
  if (!protocol.dataset) throw new DepthkitError('--data-path needs --dataset kitti or --dataset nyu');
  const { checkpoint } = flags;
  return {
    dataset: protocol.dataset,
    split: flags.split as SplitName,
    dataPath: flags['data-path'],
    gtPath: flags['gt-path'],
    pred: flags.pred,
    // Loaded lazily so that evaluating prediction files never loads an inference engine.
    model: checkpoint
      ? async () => (await import('../model/engine.js')).loadDepthModel({
        checkpoint, clip: flags.clip, backend: flags.backend as EngineRequest, workers: flags.workers, verbose: hooks.log,
      })
      : undefined,
    protocol,
    limit: flags.limit,
    shard: resolveShard(flags.shard, process.env, flags['shard-count']),
    resume: flags.resume,
    allowMissing: flags['allow-missing'],
    skipInvalid: flags['skip-invalid'],
    concurrency: flags.concurrency,
    outDir: flags.out,
    started: new Date().toISOString(),
    ...hooks,
  };
}

/** Notes for stderr and the --json object of a benchmark run. */
export function describeDatasetRun(r: DatasetEvalReport) {
  const notes: string[] = [];
  if (r.noGt) notes.push(`note: ${r.noGt} line(s) of the ${r.meta.split} list have no ground truth (None) and are not evaluated`);
  if (r.missing.length) notes.push(`note: ${r.missing.length} image(s) missing from the dataset or predictions were not evaluated (--allow-missing)`);
  if (r.resumed) notes.push(`note: resumed: ${r.resumed} image(s) taken from the interrupted run`);
  if (r.result.resizedCount) notes.push(`note: ${r.result.resizedCount} prediction(s) resized (bilinear) to their ground truth's size`);
  if (r.result.skipped.length) notes.push(`note: skipped ${r.result.skipped.length} image(s) without valid ground truth`);
  const columns = PAPER_COLUMNS[r.protocol.dataset!];
  return {
    notes,
    json: {
      summary: r.result.summary,
      table: { columns: [...columns], values: columns.map((m) => r.result.summary[m]) },
      protocol: protocolRecord(r.protocol),
      run: r.meta,
      missing: r.missing.flatMap((m) => m.files),
      skipped: r.result.skipped,
      files: r.files,
      columns: PER_IMAGE_COLUMNS,
    },
  };
}

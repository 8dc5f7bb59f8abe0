import path from 'node:path';
import { DepthkitError } from '../errors.js';
import { ensureWritableDir } from '../io/atomic.js';
import { inputRecord } from '../io/run-record.js';
import { METRIC_NAMES } from '../metrics/accuracy.js';
import { evaluateFolder } from './folder.js';
import { PER_IMAGE_COLUMNS } from './image-row.js';
import { writeEvalOutputs } from './outputs.js';
import { checkImageScope, protocolRecord, type EvalProtocol } from './protocol.js';
import { completeRun, PARTIAL_FILE, type RunHooks } from './resumable.js';

export interface FolderRunOptions extends RunHooks {
  pred: string;
  gt: string;
  out: string;
  protocol: EvalProtocol;
  skipInvalid: boolean;
  /** Continue from <out>/per_image.partial.csv, skipping the images it holds. */
  resume: boolean;
  concurrency?: number;
  /** Worker threads (default: one per core when there are enough images; 0 = none). */
  workers?: number;
}

/** The eval command's flags that folder mode reads. */
export interface FolderFlags {
  pred?: string;
  gt?: string;
  out: string;
  resume: boolean;
  'skip-invalid': boolean;
  concurrency?: number;
}

export function folderOptions(flags: FolderFlags, protocol: EvalProtocol, hooks: RunHooks): FolderRunOptions {
  checkImageScope(protocol);
  if (!flags.pred || !flags.gt) throw new DepthkitError('pass --pred and --gt (folders), or --dataset with --data-path (a benchmark split)');
  return { pred: flags.pred, gt: flags.gt, out: flags.out, protocol, skipInvalid: flags['skip-invalid'], resume: flags.resume, concurrency: flags.concurrency, ...hooks };
}

/**
 * `depthkit eval --pred --gt`: evaluate (saving progress to per_image.partial.csv, so that `resume` continues an
 * interrupted run to the same files), write the outputs, and say what the user should know about the run.
 */
export async function runFolderEval(o: FolderRunOptions) {
  await ensureWritableDir(o.out);
  const started = new Date().toISOString();
  const partialFile = path.join(o.out, PARTIAL_FILE);
  // The folders are part of the settings: a partial file of other inputs is refused, not mixed in.
  const meta = { ...protocolRecord(o.protocol), pred: path.resolve(o.pred), gt: path.resolve(o.gt) };
  const result = await evaluateFolder({
    predDir: o.pred,
    gtDir: o.gt,
    protocol: o.protocol,
    skipInvalid: o.skipInvalid,
    concurrency: o.concurrency,
    workers: o.workers,
    partial: { file: partialFile, meta, resume: o.resume },
    signal: o.signal,
    onStart: o.onStart,
    onImage: o.onImage,
    log: o.log,
  });
  const files = await completeRun({
    partialFile,
    signal: o.signal,
    count: result.rows.length + result.skipped.length,
    outputs: () => writeEvalOutputs(o.out, result, o.protocol, { started, ...inputRecord(o.out, { pred: o.pred, gt: o.gt }) }),
    extras: o.extras && (() => o.extras!(o.out)),
    log: o.log,
  });
  const notes: string[] = [];
  if (result.resumed) notes.push(`note: resumed: ${result.resumed} image(s) taken from the interrupted run`);
  if (result.resizedCount > 0) notes.push(`note: ${result.resizedCount} prediction(s) resized (bilinear) to their ground truth's size`);
  if (result.unmatchedPred.length || result.unmatchedGt.length) {
    notes.push(`note: ${result.unmatchedPred.length} prediction(s) and ${result.unmatchedGt.length} ground-truth file(s) had no partner`);
  }
  if (result.skipped.length) notes.push(`note: skipped ${result.skipped.length} image(s) without valid ground truth`);
  const columns = [...METRIC_NAMES];
  return {
    notes,
    json: {
      summary: result.summary,
      table: { columns, values: columns.map((m) => result.summary[m]) },
      protocol: protocolRecord(o.protocol),
      files,
      resized: result.resizedCount,
      skipped: result.skipped,
      columns: PER_IMAGE_COLUMNS,
    },
  };
}

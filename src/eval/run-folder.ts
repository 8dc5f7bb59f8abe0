import { ensureWritableDir } from '../io/atomic.js';
import { evaluateFolder, PER_IMAGE_COLUMNS } from './folder.js';
import { writeEvalOutputs } from './outputs.js';
import { protocolRecord, type EvalProtocol } from './protocol.js';
import { METRIC_NAMES } from '../metrics/accuracy.js';

export interface FolderRunOptions {
  pred: string;
  gt: string;
  out: string;
  protocol: EvalProtocol;
  skipInvalid: boolean;
  concurrency?: number;
  onImage?: () => void;
}

/** `depthkit eval --pred --gt`: evaluate, write the outputs, and say what the user should know about the run. */
export async function runFolderEval(o: FolderRunOptions) {
  await ensureWritableDir(o.out);
  const started = new Date().toISOString();
  const result = await evaluateFolder({
    predDir: o.pred,
    gtDir: o.gt,
    protocol: o.protocol,
    skipInvalid: o.skipInvalid,
    concurrency: o.concurrency,
    onImage: o.onImage,
  });
  const files = await writeEvalOutputs(o.out, result, o.protocol, { started, inputs: { pred: o.pred, gt: o.gt } });
  const notes: string[] = [];
  if (result.resizedCount > 0) notes.push(`note: ${result.resizedCount} prediction(s) resized (bilinear) to their ground truth's size`);
  if (result.unmatchedPred.length || result.unmatchedGt.length) {
    notes.push(`note: ${result.unmatchedPred.length} prediction(s) and ${result.unmatchedGt.length} ground-truth file(s) had no partner`);
  }
  if (result.skipped.length) notes.push(`note: skipped ${result.skipped.length} image(s) without valid ground truth`);
  const columns = [...METRIC_NAMES];
  return {
    notes,
    files,
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

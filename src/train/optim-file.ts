import { DepthkitError } from '../errors.js';
import { readSafetensors, writeSafetensors, type Tensor } from '../io/safetensors.js';
import type { AdamWState } from './adamw.js';

/**
 * The optimizer sidecar beside a checkpoint, `<name>.optim.safetensors`: Adam's m.<param> and v.<param> tensors,
 * the step, the training settings (with the fingerprint of the checkpoint it belongs to) and the sums of the log row
 * in progress, kept apart so that the checkpoint itself stays the inference file.
 */
export const OPTIM_FORMAT = 'depthkit-adamw';

/** Loss sum, step count and seconds since the last train_log.csv row: a resumed run's next row continues them. */
export interface RowSums {
  loss: number;
  n: number;
  seconds: number;
}

export const EMPTY_ROW: RowSums = { loss: 0, n: 0, seconds: 0 };

export interface OptimSidecar extends AdamWState {
  settings: Record<string, unknown>;
  row: RowSums;
}

export function optimPath(checkpoint: string): string {
  return checkpoint.replace(/\.safetensors$/, '') + '.optim.safetensors';
}

export async function writeOptimState(file: string, state: AdamWState, settings: object, row: RowSums = EMPTY_ROW): Promise<void> {
  await writeSafetensors(file, state.moments, {
    format: OPTIM_FORMAT, step: String(state.step), settings: JSON.stringify(settings), row: JSON.stringify(row),
  });
}

function parseJson(file: string, what: string, text: string | undefined, fallback: unknown): unknown {
  if (text === undefined) return fallback;
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new DepthkitError(`${what} in the metadata is not valid JSON`, { file, cause: err });
  }
}

function isRowSums(x: unknown): x is RowSums {
  const r = x as RowSums;
  return typeof r === 'object' && r !== null && Number.isFinite(r.loss) && Number.isInteger(r.n) && r.n >= 0 && Number.isFinite(r.seconds);
}

/** Reads a sidecar and checks it holds a moment pair for every parameter, shaped like it. */
export function readOptimState(file: string, params: ReadonlyMap<string, Tensor>): OptimSidecar {
  const { metadata, tensors } = readSafetensors(file);
  const step = Number(metadata.step);
  if (metadata.format !== OPTIM_FORMAT || !Number.isInteger(step) || step < 0) {
    throw new DepthkitError(`not a depthkit optimizer state (format ${metadata.format ?? 'missing'})`, { file });
  }
  for (const [name, p] of params) {
    for (const key of [`m.${name}`, `v.${name}`]) {
      const t = tensors.get(key);
      if (!t || t.shape.join(',') !== p.shape.join(',')) throw new DepthkitError(`${key} missing or not shaped [${p.shape.join(',')}]`, { file });
    }
  }
  const settings = parseJson(file, 'training settings', metadata.settings, {});
  if (typeof settings !== 'object' || settings === null) throw new DepthkitError('training settings in the metadata are not an object', { file });
  // Sidecars written before the row sums were kept start the next log row afresh.
  const row = parseJson(file, 'log row sums', metadata.row, EMPTY_ROW);
  if (!isRowSums(row)) throw new DepthkitError('log row sums in the metadata are not {loss, n, seconds}', { file });
  return { step, moments: tensors, settings: settings as Record<string, unknown>, row };
}

import { DepthkitError } from '../errors.js';
import { readSafetensors, writeSafetensors, type Tensor } from '../io/safetensors.js';
import type { AdamWState } from './adamw.js';

/**
 * The optimizer sidecar beside a checkpoint, `<name>.optim.safetensors`: Adam's m.<param> and v.<param> tensors,
 * the step, and the training settings, kept apart so that the checkpoint itself stays the inference file.
 */
export const OPTIM_FORMAT = 'depthkit-adamw';

export function optimPath(checkpoint: string): string {
  return checkpoint.replace(/\.safetensors$/, '') + '.optim.safetensors';
}

export async function writeOptimState(file: string, state: AdamWState, settings: object): Promise<void> {
  await writeSafetensors(file, state.moments, { format: OPTIM_FORMAT, step: String(state.step), settings: JSON.stringify(settings) });
}

/** Reads a sidecar and checks it holds a moment pair for every parameter, shaped like it. */
export function readOptimState(file: string, params: ReadonlyMap<string, Tensor>): AdamWState & { settings: Record<string, unknown> } {
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
  let settings: Record<string, unknown> = {};
  try {
    settings = JSON.parse(metadata.settings ?? '{}') as Record<string, unknown>;
  } catch (err) {
    throw new DepthkitError('training settings in the metadata are not valid JSON', { file, cause: err });
  }
  return { step, moments: tensors, settings };
}

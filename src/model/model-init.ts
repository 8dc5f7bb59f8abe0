import { DepthkitError } from '../errors.js';
import { initCheckpoint, parameterCount, writeCheckpoint } from './checkpoint.js';
import { checkClipFile } from './clip-weights.js';
import { configProblem, defaultModelConfig, type ClipVariant, type ModelConfig } from './config.js';
import { resolveClipPath } from './load-weights.js';

export interface InitOptions {
  clip?: string;
  out: string;
  seed: number;
  maxDepth: number;
  /** Must agree with the CLIP file when given; inferred from it otherwise. */
  preset?: ClipVariant;
  inputSize?: { width: number; height: number };
}

/**
 * Writes a fresh checkpoint (seeded mirror + decoder) for the given CLIP weights. Only the CLIP header is read: its
 * shapes fix the variant and are checked in full, so a checkpoint is never made for weights that cannot run it.
 */
export async function createCheckpoint(opts: InitOptions): Promise<{ config: ModelConfig; parameters: number }> {
  const clipFile = resolveClipPath(opts.clip);
  const arch = checkClipFile(clipFile);
  if (opts.preset && opts.preset !== arch.clip.variant) throw new DepthkitError(`--preset ${opts.preset} but the weights are ${arch.clip.variant}`, { file: clipFile });
  const config = defaultModelConfig(arch, { maxDepth: opts.maxDepth, inputSize: opts.inputSize });
  const problem = configProblem(config);
  if (problem) throw new DepthkitError(problem);
  await writeCheckpoint(opts.out, initCheckpoint(config, opts.seed));
  return { config, parameters: parameterCount(config) };
}

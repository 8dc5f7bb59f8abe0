import { existsSync } from 'node:fs';
import { DepthkitError } from '../errors.js';
import type { Tensor } from '../io/safetensors.js';
import { readCheckpoint } from './checkpoint.js';
import { checkClipFile, loadClipWeights } from './clip-weights.js';
import { configProblem, type ModelConfig } from './config.js';

/** Where the CLIP weights come from: the explicit path, else $DEPTHKIT_CLIP; never downloaded. */
export function resolveClipPath(clip: string | undefined): string {
  const file = clip ?? process.env.DEPTHKIT_CLIP;
  if (!file) throw new DepthkitError('CLIP weights not found: pass --clip <model.safetensors> or set DEPTHKIT_CLIP (see README, Model weights)');
  if (!existsSync(file)) {
    throw new DepthkitError(`CLIP weights not found at ${file}: pass --clip <model.safetensors> or set DEPTHKIT_CLIP (see README, Model weights)`);
  }
  return file;
}

export interface ModelFiles {
  checkpoint: string;
  clip?: string;
  /** Run at another input size than the checkpoint's (a multiple of the patch size); pos-emb is resampled. */
  inputSize?: { width: number; height: number };
}

export interface LoadedWeights {
  config: ModelConfig;
  clipFile: string;
  /** CLIP tensors and checkpoint tensors under one name space. */
  weights: Map<string, Tensor>;
  /** Tensors of the CLIP file the model does not use. */
  unusedClip: string[];
}

/** Checks both files (checkpoint in full, CLIP from its header) without reading the CLIP tensors. */
export function checkModelFiles(files: ModelFiles): { config: ModelConfig; clipFile: string; checkpoint: Map<string, Tensor> } {
  if (!existsSync(files.checkpoint)) {
    throw new DepthkitError(`checkpoint not found at ${files.checkpoint}: create one with depthkit model init (see README, Model weights)`);
  }
  const clipFile = resolveClipPath(files.clip);
  const ckpt = readCheckpoint(files.checkpoint);
  const config: ModelConfig = files.inputSize ? { ...ckpt.config, inputSize: { ...files.inputSize } } : ckpt.config;
  const problem = configProblem(config);
  if (problem) throw new DepthkitError(problem, { file: files.checkpoint });
  checkClipFile(clipFile, config);
  return { config, clipFile, checkpoint: ckpt.tensors };
}

/** Reads and cross-checks the checkpoint and its CLIP weights. */
export function loadModelWeights(files: ModelFiles): LoadedWeights {
  const { config, clipFile, checkpoint } = checkModelFiles(files);
  const clip = loadClipWeights(clipFile, config);
  return { config, clipFile, weights: new Map([...clip.tensors, ...checkpoint]), unusedClip: clip.unused };
}

import { DepthkitError } from '../errors.js';
import { readSafetensors, writeSafetensors, type Tensor } from '../io/safetensors.js';
import { configProblem, type ModelConfig } from './config.js';
import { decoderTensorSpec } from './decoder.js';
import { normalSampler } from '../util/random.js';

/**
 * depthkit's checkpoint: one safetensors file with `mirror` and `decoder.*` (float32) and the model config as JSON
 * in __metadata__.depthkit. The CLIP weights stay in their own file.
 */

export const CHECKPOINT_FORMAT = 'depthkit-clip-mirror';

/** Every trainable tensor (mirror + decoder) with its shape, in file order. */
export function checkpointSpec(config: ModelConfig): Map<string, number[]> {
  return new Map([['mirror', [config.mirror.tokens, config.clip.text.width]], ...decoderTensorSpec(config)]);
}

export interface Checkpoint {
  config: ModelConfig;
  tensors: Map<string, Tensor>;
}

function checkTensors(file: string, config: ModelConfig, tensors: ReadonlyMap<string, Tensor>): void {
  const problems: string[] = [];
  const spec = checkpointSpec(config);
  for (const [name, want] of spec) {
    const t = tensors.get(name);
    if (!t) problems.push(`${name} missing`);
    else if (t.shape.join(',') !== want.join(',')) problems.push(`${name} is [${t.shape.join(',')}], expected [${want.join(',')}]`);
  }
  for (const name of tensors.keys()) if (!spec.has(name)) problems.push(`${name} unexpected`);
  if (problems.length) {
    const more = problems.length > 5 ? ` (and ${problems.length - 5} more)` : '';
    throw new DepthkitError(`checkpoint tensors do not fit its config: ${problems.slice(0, 5).join('; ')}${more}`, { file });
  }
}

export async function writeCheckpoint(file: string, ckpt: Checkpoint): Promise<void> {
  checkTensors(file, ckpt.config, ckpt.tensors);
  const ordered = [...checkpointSpec(ckpt.config).keys()].map((n): [string, Tensor] => [n, ckpt.tensors.get(n)!]);
  await writeSafetensors(file, ordered, { format: CHECKPOINT_FORMAT, depthkit: JSON.stringify(ckpt.config) });
}

export function readCheckpoint(file: string): Checkpoint {
  const { metadata, tensors } = readSafetensors(file);
  if (!metadata.depthkit) throw new DepthkitError('not a depthkit checkpoint (no depthkit config in the safetensors metadata)', { file });
  let config: ModelConfig;
  try {
    config = JSON.parse(metadata.depthkit) as ModelConfig;
  } catch (err) {
    throw new DepthkitError('depthkit config in the metadata is not valid JSON', { file, cause: err });
  }
  const problem = configProblem(config);
  if (problem) throw new DepthkitError(`checkpoint config: ${problem}`, { file });
  checkTensors(file, config, tensors);
  return { config, tensors };
}

/**
 * Fresh trainable weights, seeded: mirror ~ N(0, 0.02) like CLIP's token embeddings; convolutions He-normal
 * (ReLU follows them); FiLM Xavier-normal; biases zero (so the head starts at maxDepth / 2).
 */
export function initCheckpoint(config: ModelConfig, seed: number): Checkpoint {
  const normal = normalSampler(seed);
  const tensors = new Map<string, Tensor>();
  for (const [name, shape] of checkpointSpec(config)) {
    const n = shape.reduce((a, b) => a * b, 1);
    let std = 0;
    if (name === 'mirror') std = 0.02;
    else if (name.endsWith('.up.weight')) std = Math.sqrt(2 / shape[0]); // each output pixel sees C_in inputs (k = stride)
    else if (name.endsWith('film.weight')) std = Math.sqrt(2 / (shape[0] + shape[1]));
    else if (name.endsWith('.weight')) std = Math.sqrt(2 / (shape[1] * shape[2] * shape[3]));
    tensors.set(name, { shape, data: std ? normal(n, std) : new Float32Array(n) });
  }
  return { config, tensors };
}

/** Trainable parameter count (mirror + decoder). */
export function parameterCount(config: ModelConfig): number {
  let n = 0;
  for (const shape of checkpointSpec(config).values()) n += shape.reduce((a, b) => a * b, 1);
  return n;
}

export interface CheckpointSummary {
  file: string;
  config: ModelConfig;
  tensors: { name: string; shape: number[]; parameters: number }[];
  parameters: number;
}

/** What `depthkit model info` shows: config, tensors with shapes, trainable parameter count. */
export function describeCheckpoint(file: string): CheckpointSummary {
  const { config, tensors } = readCheckpoint(file);
  const list = [...tensors].map(([name, t]) => ({ name, shape: t.shape, parameters: t.data.length }));
  return { file, config, tensors: list, parameters: list.reduce((a, t) => a + t.parameters, 0) };
}

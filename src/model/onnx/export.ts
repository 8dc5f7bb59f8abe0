import type { Tensor } from '../../io/safetensors.js';
import type { ModelConfig } from '../config.js';
import { buildDepthGraph } from '../depth-graph.js';
import { OnnxEmitter } from './emitter.js';
import { createSession, runSingle } from './session.js';

/**
 * The depth model as one ONNX file, emitted from the single model definition (depth-graph.ts):
 *   input  `pixels` uint8 [batch, H, W, 3]: RGB at the checkpoint's input size, normalised inside the graph;
 *   output `depth`  float32 [batch, H, W]: metres.
 * mirror's conditioning vector depends on no input, so it is computed once at export (by ONNX Runtime, on a small
 * graph emitted from the same definition) and stored as a constant; the text tower is not in the file.
 */

export const ONNX_INPUT = 'pixels';
export const ONNX_OUTPUT = 'depth';
/** Bumped whenever the emitted graph changes, so that cached files from older builds are not reused. */
/** 2: no empty trailing inputs (graphs of version 1 crash ORT's WebGPU provider). */
export const EXPORT_VERSION = 2;

const DOC = 'depthkit CLIP + mirror depth model. Input pixels: uint8 RGB NHWC [batch, H, W, 3], normalised in the graph. Output depth: float32 [batch, H, W] in metres.';

/** Runs mirror through the text tower on ONNX Runtime: the conditioning vector c [embedDim]. */
export async function computeConditioning(weights: ReadonlyMap<string, Tensor>, config: ModelConfig): Promise<Float32Array> {
  const ops = new OnnxEmitter();
  const mirror = weights.get('mirror');
  if (!mirror) throw new Error('weight mirror is not loaded');
  // mirror is the graph's input rather than a constant, so the session has something to run on.
  ops.feedConstant('mirror', mirror.shape);
  const graph = buildDepthGraph(ops, weights, config);
  ops.graph.output(graph.conditioning(), 'c');
  const session = await createSession(ops.graph.encode({ graphName: 'depthkit-conditioning' }));
  try {
    return (await runSingle(session, { type: 'float32', data: mirror.data, dims: mirror.shape })).data.slice();
  } finally {
    await session.release();
  }
}

/** Emits the inference graph with c stored as a constant; returns the serialised ModelProto. */
export function emitDepthModel(weights: ReadonlyMap<string, Tensor>, config: ModelConfig, c: Float32Array): Uint8Array {
  const ops = new OnnxEmitter();
  const graph = buildDepthGraph(ops, weights, config);
  const { width, height } = config.inputSize;
  const pixels = ops.normalisedInput(ONNX_INPUT, height, width, config.normalisation);
  const cConst = ops.constant('conditioning', [1, config.clip.embedDim], c);
  const depth = graph.decode(graph.imageFeatures(pixels), cConst);
  ops.graph.output(ops.reshape(depth, [-1, height, width]), ONNX_OUTPUT);
  return ops.graph.encode({
    graphName: 'depthkit',
    docString: DOC,
    metadata: { depthkit: JSON.stringify(config), 'depthkit.export_version': String(EXPORT_VERSION) },
  });
}

/** Checkpoint + CLIP weights -> the ONNX file's bytes. */
export async function exportOnnx(weights: ReadonlyMap<string, Tensor>, config: ModelConfig): Promise<Uint8Array> {
  return emitDepthModel(weights, config, await computeConditioning(weights, config));
}

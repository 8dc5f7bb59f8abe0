import type * as tfTypes from '@tensorflow/tfjs';
import type { Tensor } from '../io/safetensors.js';
import type { DepthMap, RgbImage } from '../metrics/types.js';
import type { ModelConfig } from './config.js';
import { buildDepthGraph } from './depth-graph.js';
import { normaliseFrames } from './normalise.js';
import { TfOps } from './ops-tf.js';

/**
 * The depth model on one tfjs instance: the graph is built once, mirror's conditioning vector is computed once and
 * kept as a constant, so a frame costs one image-encoder pass plus the decoder.
 */
export class TfDepthRunner {
  private readonly ops: TfOps;
  private readonly graph;
  private readonly c: tfTypes.Tensor;

  constructor(
    readonly tf: typeof tfTypes,
    weights: ReadonlyMap<string, Tensor>,
    readonly config: ModelConfig,
  ) {
    this.ops = new TfOps(tf);
    this.graph = buildDepthGraph(this.ops, weights, config);
    const c = tf.tidy(() => this.graph.conditioning());
    this.c = this.ops.constant('conditioning', [1, config.clip.embedDim], c.dataSync() as Float32Array);
    c.dispose();
  }

  /** The cached conditioning vector c [embedDim]. */
  conditioning(): Float32Array {
    return this.c.dataSync() as Float32Array;
  }

  private input(frames: RgbImage[]): tfTypes.Tensor {
    const { width, height } = this.config.inputSize;
    return this.tf.tensor(normaliseFrames(frames, this.config), [frames.length, height, width, 3]);
  }

  /** Patch features [B, rows, cols, embedDim], flattened. */
  async imageFeatures(frames: RgbImage[]): Promise<Float32Array> {
    const out = this.tf.tidy(() => this.graph.imageFeatures(this.input(frames)));
    try {
      return (await out.data()) as Float32Array;
    } finally {
      out.dispose();
    }
  }

  /** Depth in metres for frames at inputSize; `recomputePrompt` reruns the text tower (benchmarks only). */
  async predict(frames: RgbImage[], opts: { recomputePrompt?: boolean } = {}): Promise<DepthMap[]> {
    if (!frames.length) return [];
    const { width, height } = this.config.inputSize;
    const out = this.tf.tidy(() => {
      const c = opts.recomputePrompt ? this.graph.conditioning() : this.c;
      return this.graph.decode(this.graph.imageFeatures(this.input(frames)), c);
    });
    let data: Float32Array;
    try {
      data = (await out.data()) as Float32Array;
    } finally {
      out.dispose();
    }
    const px = width * height;
    return frames.map((_, b) => ({ data: data.slice(b * px, (b + 1) * px), width, height }));
  }

  dispose(): void {
    this.ops.dispose();
  }
}

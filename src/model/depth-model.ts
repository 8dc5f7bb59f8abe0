import type { DepthMap, RgbImage } from '../metrics/types.js';

/**
 * What `depthkit video`, `eval` and `predict` need of a depth model. The built-in CLIP + mirror model implements it
 * on tfjs (and on ONNX Runtime); other models can be added behind the same interface.
 */
export interface DepthModel {
  /** Human-readable description (model kind, CLIP variant, engine) for logs and CSV metadata. */
  readonly description: string;
  /** Input size the model was trained for; frames are resized to it before predict(). */
  readonly inputSize: { width: number; height: number };
  /** Frames per predict() call that keep the engine busy (a GPU engine wants more); callers default to 4. */
  readonly batch?: number;
  /** Predicts metric depth for a batch of frames already at inputSize. One DepthMap per frame, same size. */
  predict(frames: RgbImage[]): Promise<DepthMap[]>;
  /** Frees tensors, sessions and workers. */
  dispose(): Promise<void>;
}

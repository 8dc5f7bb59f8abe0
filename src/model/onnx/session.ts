import os from 'node:os';
import * as ort from 'onnxruntime-node';

export type OnnxProvider = 'cuda' | 'cpu';

export interface SessionOptions {
  provider?: OnnxProvider;
  /** Intra-op threads; default: every core (one session is meant to use the whole machine). */
  threads?: number;
}

/** An ONNX Runtime session over an in-memory model, fully optimised (transpose cancelling, fusions). */
export async function createSession(model: Uint8Array, opts: SessionOptions = {}): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(model, {
    executionProviders: [opts.provider ?? 'cpu'],
    intraOpNumThreads: opts.threads ?? os.availableParallelism(),
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    // Warnings only: ORT logs every removed initialiser at the default level.
    logSeverityLevel: 3,
  });
}

/** Runs a session with one input and returns its only output's data. */
export async function runSingle(session: ort.InferenceSession, input: ort.Tensor): Promise<{ data: Float32Array; dims: readonly number[] }> {
  const result = await session.run({ [session.inputNames[0]]: input });
  const out = result[session.outputNames[0]];
  try {
    return { data: out.data as Float32Array, dims: out.dims };
  } finally {
    input.dispose();
  }
}

export { ort };

import os from 'node:os';
import * as ort from 'onnxruntime-node';

export type OnnxProvider = 'cuda' | 'webgpu' | 'cpu';

export interface SessionOptions {
  provider?: OnnxProvider;
  /** Intra-op threads; default: every core (one session is meant to use the whole machine). */
  threads?: number;
}

/** An ONNX Runtime session over an in-memory model, fully optimised (transpose cancelling, fusions). */
export async function createSession(model: Uint8Array, opts: SessionOptions = {}): Promise<ort.InferenceSession> {
  const provider = opts.provider ?? 'cpu';
  return ort.InferenceSession.create(model, {
    executionProviders: [provider],
    // Graph capture replays recorded GPU work instead of re-encoding every kernel: on lavapipe the tiny model ran
    // 12x faster per run (300 -> 24 ms), outputs unchanged, batch sizes may vary. DEPTHKIT_WEBGPU_GRAPH_CAPTURE=0
    // turns it off (unmeasured on real GPUs).
    ...(provider === 'webgpu' && process.env.DEPTHKIT_WEBGPU_GRAPH_CAPTURE !== '0' ? { extra: { 'ep.webgpuexecutionprovider.enableGraphCapture': '1' } } : {}),
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

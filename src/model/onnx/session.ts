import os from 'node:os';
import type * as Ort from 'onnxruntime-node';

export type OnnxProvider = 'cuda' | 'webgpu' | 'cpu';

let ortModule: Promise<typeof Ort> | undefined;
/** The ONNX Runtime addon, loaded on first use: a command that runs no model (eval on files) does not pay to load it. */
export const loadOrt = (): Promise<typeof Ort> => (ortModule ??= import('onnxruntime-node'));

/** A session's input as plain data; the Tensor is made (and disposed) here, where the addon is loaded. */
export type SessionInput = { type: 'uint8'; data: Uint8Array; dims: readonly number[] } | { type: 'float32'; data: Float32Array; dims: readonly number[] };

export interface SessionOptions {
  provider?: OnnxProvider;
  /** Intra-op threads; default: every core (one session is meant to use the whole machine). */
  threads?: number;
}

/** An ONNX Runtime session over an in-memory model, fully optimised (transpose cancelling, fusions). */
export async function createSession(model: Uint8Array, opts: SessionOptions = {}): Promise<Ort.InferenceSession> {
  const provider = opts.provider ?? 'cpu';
  const ort = await loadOrt();
  return ort.InferenceSession.create(model, {
    executionProviders: [provider],
    // Graph capture replays recorded GPU work instead of re-encoding every kernel: on lavapipe the tiny model ran
    // 12x faster per run (300 -> 24 ms), outputs unchanged, batch sizes may vary. DEPTHKIT_WEBGPU_GRAPH_CAPTURE=0
    // turns it off (unmeasured on real GPUs).
    extra: {
      ...(provider === 'webgpu' && process.env.DEPTHKIT_WEBGPU_GRAPH_CAPTURE !== '0' ? { 'ep.webgpuexecutionprovider.enableGraphCapture': '1' } : {}),
      // Idle intra-op threads sleep instead of spinning: the model always runs beside decoding, flow and metrics,
      // and spinning threads took the cores they need (batches of 4 on 2 threads with one busy thread beside:
      // 1.43 / 1.18 frames/s without spinning vs 1.19 / 0.83 with, two runs on the 2-core AMD EPYC).
      'session.intra_op.allow_spinning': '0',
    },
    intraOpNumThreads: opts.threads ?? os.availableParallelism(),
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    // Warnings only: ORT logs every removed initialiser at the default level.
    logSeverityLevel: 3,
  });
}

/** Runs a session with one input and returns its only output's data. */
export async function runSingle(session: Ort.InferenceSession, x: SessionInput): Promise<{ data: Float32Array; dims: readonly number[] }> {
  const ort = await loadOrt();
  const input = x.type === 'uint8' ? new ort.Tensor('uint8', x.data, x.dims) : new ort.Tensor('float32', x.data, x.dims);
  const result = await session.run({ [session.inputNames[0]]: input });
  const out = result[session.outputNames[0]];
  try {
    return { data: out.data as Float32Array, dims: out.dims };
  } finally {
    input.dispose();
  }
}


/**
 * The names `--backend` takes, in a module of their own: every command's flags list them, and importing the engine
 * (ONNX Runtime's graph builder, protobufjs, tfjs loaders) only to read these names cost each command's start.
 */

/** tfjs backends in order of preference for `--backend auto`. */
export const TF_BACKENDS = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] as const;
export type TfBackendName = (typeof TF_BACKENDS)[number];

export const ENGINES = ['onnx-cuda', 'webgpu', 'tensorflow-gpu', 'onnx', 'tensorflow', 'wasm', 'cpu'] as const;
export type EngineName = (typeof ENGINES)[number];
/** What `--backend` accepts: `onnx` runs ONNX Runtime on the GPU when onnx-cuda is available, else on the CPU. */
export const ENGINE_REQUESTS = ['auto', 'onnx', 'onnx-cuda', 'webgpu', ...TF_BACKENDS] as const;
export type EngineRequest = (typeof ENGINE_REQUESTS)[number];

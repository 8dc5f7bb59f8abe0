import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { errorMessage } from '../../errors.js';
import { cudaLibraryReport } from './cuda-libs.js';
import { OnnxGraph } from './graph.js';
import { createSession, type OnnxProvider } from './session.js';

const require = createRequire(import.meta.url);

/** onnxruntime-node's own switch for its install script (script/install.js); needs a host that serves NuGet. */
export const CUDA_INSTALL_HINT = 'ONNXRUNTIME_NODE_INSTALL=cuda12 node node_modules/onnxruntime-node/script/install (downloads from nuget.org; the label says cuda12, the libraries need CUDA 13)';

export function onnxRuntimeVersion(): string {
  return (require('onnxruntime-node/package.json') as { version: string }).version;
}

/** Where onnxruntime-node keeps its native libraries; the CUDA provider is a separate download that lands here. */
export function onnxBinDir(): string {
  return path.join(path.dirname(require.resolve('onnxruntime-node/package.json')), 'bin', 'napi-v6', process.platform, process.arch);
}

function cudaProviderFile(): string {
  return path.join(onnxBinDir(), process.platform === 'win32' ? 'onnxruntime_providers_cuda.dll' : 'libonnxruntime_providers_cuda.so');
}

export interface ProviderProbe {
  available: boolean;
  /** Why it is (not) available, in one line. */
  detail: string;
  /** Why `--backend auto` passes over it although it runs (asked for by name, it is used). */
  autoSkip?: string;
}

/** GPU device nodes: without any, the only Vulkan device is a software one (lavapipe), slower than the CPU engine. */
function hasGpuDevice(): boolean {
  const dri = (() => {
    try {
      return readdirSync('/dev/dri').some((f) => f.startsWith('renderD'));
    } catch {
      return false;
    }
  })();
  return dri || existsSync('/dev/nvidia0') || existsSync('/dev/dxg');
}

/** A one-node session on the provider: ORT throws (never falls back) when the provider cannot start. */
async function startSession(provider: OnnxProvider): Promise<string | undefined> {
  const g = new OnnxGraph();
  g.output(g.node('Relu', [g.input('x', [1], 'float32')], [1]), 'y');
  try {
    const session = await createSession(g.encode({ graphName: 'probe' }), { provider, threads: 1 });
    await session.release();
    return undefined;
  } catch (err) {
    return errorMessage(err).split('\n')[0];
  }
}

/** Whether ONNX Runtime can run on CUDA here: the provider library is installed, its libraries load, a session starts. */
export async function probeOnnxCuda(): Promise<ProviderProbe> {
  const libs = cudaLibraryReport(cudaProviderFile());
  if (!existsSync(cudaProviderFile())) return { available: false, detail: `CUDA execution provider not installed (${CUDA_INSTALL_HINT}); what it will need here: ${libs.summary}` };
  if (libs.missing.length) return { available: false, detail: `CUDA execution provider installed, but ${libs.summary}` };
  const problem = await startSession('cuda');
  if (problem) return { available: false, detail: `CUDA libraries found (${libs.summary}) but no GPU session starts: ${problem}` };
  return { available: true, detail: `onnxruntime-node ${onnxRuntimeVersion()} with the CUDA execution provider (${libs.summary})` };
}

/** ORT's WebGPU provider ships in the npm binary; it needs a Vulkan device (a GPU's driver, or Mesa's lavapipe). */
export async function probeOnnxWebgpu(): Promise<ProviderProbe> {
  const problem = await startSession('webgpu');
  if (problem === undefined) {
    const detail = `onnxruntime-node ${onnxRuntimeVersion()} with the WebGPU execution provider (Dawn on Vulkan)`;
    return hasGpuDevice() ? { available: true, detail } : { available: true, detail, autoSkip: 'no GPU device node (/dev/dri/renderD*, /dev/nvidia0): the Vulkan device is software (lavapipe), slower than the CPU; --backend webgpu uses it' };
  }
  const noAdapter = /No supported adapters|Failed to get a WebGPU adapter/.test(problem);
  return {
    available: false,
    detail: noAdapter ? `no Vulkan device for WebGPU (install a GPU's Vulkan driver, or Mesa's lavapipe: see README, GPU): ${problem.replace(/^.*?(Failed to get)/, '$1')}` : `WebGPU session failed to start: ${problem}`,
  };
}

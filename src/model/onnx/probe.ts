import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { errorMessage } from '../../errors.js';
import { OnnxGraph } from './graph.js';
import { createSession } from './session.js';

const require = createRequire(import.meta.url);

export const CUDA_INSTALL_HINT = 'ONNXRUNTIME_NODE_INSTALL=cuda12 npm rebuild onnxruntime-node';

export function onnxRuntimeVersion(): string {
  return (require('onnxruntime-node/package.json') as { version: string }).version;
}

/** The CUDA execution provider is a separate download that lands next to the bundled CPU library. */
function cudaProviderFile(): string {
  const bin = path.join(path.dirname(require.resolve('onnxruntime-node/package.json')), 'bin', 'napi-v6', process.platform, process.arch);
  return path.join(bin, process.platform === 'win32' ? 'onnxruntime_providers_cuda.dll' : 'libonnxruntime_providers_cuda.so');
}

/** Whether ONNX Runtime can run on a GPU here: the provider library is installed and a session on it starts. */
export async function probeOnnxCuda(): Promise<{ available: boolean; detail: string }> {
  if (!existsSync(cudaProviderFile())) return { available: false, detail: `CUDA execution provider not installed (${CUDA_INSTALL_HINT})` };
  const g = new OnnxGraph();
  g.output(g.node('Relu', [g.input('x', [1], 'float32')], [1]), 'y');
  try {
    const session = await createSession(g.encode({ graphName: 'probe' }), { provider: 'cuda', threads: 1 });
    await session.release();
    return { available: true, detail: `onnxruntime-node ${onnxRuntimeVersion()} with the CUDA execution provider` };
  } catch (err) {
    return { available: false, detail: `CUDA execution provider installed but no GPU session starts: ${errorMessage(err).split('\n')[0]}` };
  }
}

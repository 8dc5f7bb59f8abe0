import { createRequire } from 'node:module';
import path from 'node:path';
import { existsSync } from 'node:fs';
import type * as tfTypes from '@tensorflow/tfjs';
import { DepthkitError, errorMessage } from '../errors.js';

import { TF_BACKENDS, type TfBackendName } from './engine-names.js';

export { TF_BACKENDS, type TfBackendName };
export type BackendRequest = 'auto' | TfBackendName;

export interface BackendProbe {
  name: TfBackendName;
  available: boolean;
  /** Why it is (not) available: the package version, or the load error in one line. */
  detail: string;
}

const require = createRequire(import.meta.url);

/** The native packages are optional dependencies: absent (or without their libtensorflow) on most machines. */
const NATIVE_PACKAGE: Record<'tensorflow-gpu' | 'tensorflow', string> = {
  'tensorflow-gpu': '@tensorflow/tfjs-node-gpu',
  tensorflow: '@tensorflow/tfjs-node',
};

function packageVersion(name: string): string | undefined {
  try {
    return (require(`${name}/package.json`) as { version: string }).version;
  } catch {
    return undefined;
  }
}

/** Directory holding tfjs-backend-wasm's .wasm binaries (Node has no fetch-relative path to find them). */
export function wasmDir(): string {
  return path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm'));
}

async function probeNative(name: 'tensorflow-gpu' | 'tensorflow'): Promise<BackendProbe> {
  const pkg = NATIVE_PACKAGE[name];
  const version = packageVersion(pkg);
  if (!version) return { name, available: false, detail: `${pkg} is not installed (optional dependency)` };
  try {
    await import(pkg);
    const legacy = name === 'tensorflow-gpu' ? ' (legacy: libtensorflow 2.9.1 for CUDA 11.2 / cuDNN 8.1 only)' : '';
    return { name, available: true, detail: `${pkg} ${version}${legacy}` };
  } catch (err) {
    const first = errorMessage(err).split('\n')[0];
    return { name, available: false, detail: `${pkg} ${version} failed to load: ${first}` };
  }
}

function probeWasm(): BackendProbe {
  const version = packageVersion('@tensorflow/tfjs-backend-wasm');
  if (!version) return { name: 'wasm', available: false, detail: '@tensorflow/tfjs-backend-wasm is not installed' };
  try {
    const dir = wasmDir();
    if (!existsSync(path.join(dir, 'tfjs-backend-wasm-simd.wasm'))) throw new Error('wasm binary missing');
    return { name: 'wasm', available: true, detail: `@tensorflow/tfjs-backend-wasm ${version} (SIMD, one thread per worker)` };
  } catch (err) {
    return { name: 'wasm', available: false, detail: errorMessage(err) };
  }
}

export async function probeBackends(): Promise<BackendProbe[]> {
  return [
    await probeNative('tensorflow-gpu'),
    await probeNative('tensorflow'),
    probeWasm(),
    { name: 'cpu', available: true, detail: `@tensorflow/tfjs-backend-cpu ${packageVersion('@tensorflow/tfjs-backend-cpu') ?? '?'} (plain JavaScript)` },
  ];
}

export async function chooseBackend(request: BackendRequest): Promise<TfBackendName> {
  const probes = await probeBackends();
  if (request === 'auto') return probes.find((p) => p.available)!.name;
  const probe = probes.find((p) => p.name === request)!;
  if (!probe.available) throw new DepthkitError(`backend ${request} is not available: ${probe.detail}`);
  return request;
}

/** Loads tfjs with the given backend active and returns the module. */
export async function initTf(name: TfBackendName): Promise<typeof tfTypes> {
  if (name === 'tensorflow-gpu' || name === 'tensorflow') {
    const tf = (await import(NATIVE_PACKAGE[name])) as typeof tfTypes;
    await tf.ready();
    return tf;
  }
  const tf = await import('@tensorflow/tfjs');
  if (name === 'wasm') {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    wasm.setWasmPaths(`${wasmDir()}/`);
  }
  await tf.setBackend(name);
  await tf.ready();
  return tf;
}

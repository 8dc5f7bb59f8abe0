import { createRequire } from 'node:module';
import type * as tfTypes from '@tensorflow/tfjs';
import { errorMessage } from '../errors.js';

/**
 * tfjs on WebGPU in Node, for training: `@tensorflow/tfjs-backend-webgpu` over the `webgpu` package (Dawn's Node
 * bindings, dist/linux-x64/dawn.node, which needs libvulkan.so.1 and a Vulkan device). tfjs looks for
 * `navigator.gpu`, which Node lacks: it is set from the package once. In Node, dataSync()/readSync() throw (no
 * OffscreenCanvas), so code running on this backend reads with `await data()` only.
 */

const require = createRequire(import.meta.url);

export interface TfWebgpuProbe {
  available: boolean;
  detail: string;
}

let installed: Promise<string | undefined> | undefined;

/** Sets navigator.gpu from the webgpu package and asks for an adapter; the adapter's name, or undefined. */
async function installNavigator(): Promise<string | undefined> {
  const { create, globals } = (await import('webgpu')) as { create: (flags: string[]) => GPU; globals: Record<string, unknown> };
  Object.assign(globalThis, globals);
  const gpu = create([]);
  Object.defineProperty(globalThis, 'navigator', { value: { ...(globalThis.navigator ?? {}), gpu }, configurable: true, writable: true });
  const adapter = await gpu.requestAdapter();
  if (!adapter) return undefined;
  const info = (adapter as unknown as { info?: { description?: string; device?: string; vendor?: string } }).info;
  return info?.description || info?.device || info?.vendor || 'unnamed adapter';
}

export async function probeTfWebgpu(): Promise<TfWebgpuProbe> {
  let version: string;
  try {
    version = (require('@tensorflow/tfjs-backend-webgpu/package.json') as { version: string }).version;
  } catch {
    return { available: false, detail: '@tensorflow/tfjs-backend-webgpu is not installed' };
  }
  try {
    installed ??= installNavigator();
    const adapter = await installed;
    if (!adapter) return { available: false, detail: 'no Vulkan device for WebGPU (Dawn found no adapter): install a GPU\'s Vulkan driver or Mesa\'s lavapipe (README, Engines)' };
    return { available: true, detail: `@tensorflow/tfjs-backend-webgpu ${version} on ${adapter}` };
  } catch (err) {
    return { available: false, detail: `WebGPU for tfjs failed to start: ${errorMessage(err).split('\n')[0]}` };
  }
}

/** tfjs with the webgpu backend active (call probeTfWebgpu first). */
export async function initTfWebgpu(): Promise<typeof tfTypes> {
  installed ??= installNavigator();
  await installed;
  const tf = await import('@tensorflow/tfjs');
  await import('@tensorflow/tfjs-backend-webgpu');
  await tf.setBackend('webgpu');
  await tf.ready();
  return tf;
}

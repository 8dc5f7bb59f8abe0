import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DepthkitError } from '../errors.js';

/**
 * depthkit's own WebAssembly modules, compiled at build time from wasm/*.ts (AssemblyScript, `npm run build:wasm`)
 * into dist/wasm/. The path is two folders up from this file both in src/util (tests, tsx) and in dist/util.
 * Instantiated synchronously, once a thread (a worker imports its own copy), on first use.
 */
const cache = new Map<string, WebAssembly.Instance>();

export function wasmInstance(name: string): WebAssembly.Instance {
  let inst = cache.get(name);
  if (!inst) {
    const url = new URL(`../../dist/wasm/${name}.wasm`, import.meta.url);
    let bytes: Uint8Array<ArrayBuffer>;
    try {
      bytes = new Uint8Array(readFileSync(url));
    } catch {
      throw new DepthkitError(`${fileURLToPath(url)}: missing; build it with \`npm run build\``);
    }
    inst = new WebAssembly.Instance(new WebAssembly.Module(bytes), {});
    cache.set(name, inst);
  }
  return inst;
}

/** A module's exported memory grown to hold at least `bytes`. */
export function wasmMemory(inst: WebAssembly.Instance, bytes: number): WebAssembly.Memory {
  const mem = inst.exports.memory as WebAssembly.Memory;
  const need = Math.ceil(bytes / 65536) - mem.buffer.byteLength / 65536;
  if (need > 0) mem.grow(need);
  return mem;
}

/**
 * Byte offsets (8-aligned, from 64 KiB on: below is the module's own) of consecutive blocks of the given byte sizes
 * in a module's memory, grown to hold them; and float32 / int32 views of the memory after the growth.
 */
export function wasmLayout(inst: WebAssembly.Instance, sizes: number[]): { at: number[]; f32: Float32Array; i32: Int32Array } {
  const at: number[] = [];
  let end = 65536;
  for (const s of sizes) {
    at.push(end);
    end += (s + 7) & ~7;
  }
  const mem = wasmMemory(inst, end);
  return { at, f32: new Float32Array(mem.buffer), i32: new Int32Array(mem.buffer) };
}

/**
 * Typed arrays copied into a module's memory, each in a block of its own, followed by blocks of `extra` bytes
 * (outputs, scratch): the blocks' offsets (the arrays' first) and a byte view of the memory after any growth.
 */
export function wasmPlace(inst: WebAssembly.Instance, views: ArrayBufferView[], extra: number[] = []): { at: number[]; bytes: Uint8Array } {
  const { at, f32 } = wasmLayout(inst, [...views.map((v) => v.byteLength), ...extra]);
  const bytes = new Uint8Array(f32.buffer);
  views.forEach((v, k) => bytes.set(new Uint8Array(v.buffer, v.byteOffset, v.byteLength), at[k]));
  return { at, bytes };
}

/** One of a module's exported kernels: every argument a number (byte offsets into its memory, sizes, weights). */
export const wasmKernel = <R = void>(module: string, name: string): ((...args: number[]) => R) =>
  wasmInstance(module).exports[name] as (...args: number[]) => R;

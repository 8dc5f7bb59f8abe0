import type { Tensor } from '../io/safetensors.js';

/**
 * FNV-1a over the bits of named tensors, in name order. The optimizer sidecar records the fingerprint of the
 * checkpoint it was saved with, so that resuming never pairs weights with another step's Adam moments.
 */
export function tensorsFingerprint(tensors: ReadonlyMap<string, Tensor>): string {
  let h = 0x811c9dc5;
  for (const name of [...tensors.keys()].sort()) {
    const t = tensors.get(name)!;
    for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
    const words = new Uint32Array(t.data.buffer, t.data.byteOffset, t.data.length);
    for (let i = 0; i < words.length; i++) h = Math.imul(h ^ words[i], 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, '0');
}

import { createHash } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeFileAtomic } from '../../io/atomic.js';

/**
 * Exported ONNX graphs on disk, keyed by what they were built from: the content hash of the checkpoint and the CLIP
 * weights, the input size and the export version. Each `<key>.onnx` has a `<key>.onnx.sha256` beside it holding
 * the hash of the file's bytes; a file whose bytes do not match is treated as absent (rebuilt, never trusted).
 */

/** $DEPTHKIT_CACHE/onnx, else ~/.cache/depthkit/onnx. */
export function onnxCacheDir(): string {
  const root = process.env.DEPTHKIT_CACHE;
  return root ? path.join(root, 'onnx') : path.join(os.homedir(), '.cache', 'depthkit', 'onnx');
}

export async function hashFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

export async function cacheKey(parts: { checkpoint: string; clip: string; inputSize: { width: number; height: number }; version: number }): Promise<string> {
  const [ckpt, clip] = await Promise.all([hashFile(parts.checkpoint), hashFile(parts.clip)]);
  return sha256(new TextEncoder().encode(JSON.stringify({ ckpt, clip, input: parts.inputSize, version: parts.version }))).slice(0, 32);
}

export interface OnnxCache {
  file: string;
  /** The cached model's bytes when present and intact; otherwise why not. */
  read(): Promise<{ bytes: Uint8Array } | { problem: string }>;
  /** Stores bytes and their hash (atomically: a reader never sees a half-written pair that verifies). */
  write(bytes: Uint8Array): Promise<void>;
}

export function onnxCache(dir: string, key: string): OnnxCache {
  const file = path.join(dir, `${key}.onnx`);
  const hashFileName = `${file}.sha256`;
  return {
    file,
    async read() {
      let bytes: Uint8Array;
      let stored: string;
      try {
        [bytes, stored] = await Promise.all([fs.readFile(file), fs.readFile(hashFileName, 'utf8')]);
      } catch {
        return { problem: 'not cached' };
      }
      return sha256(bytes) === stored.trim() ? { bytes } : { problem: 'cached file does not match its hash' };
    },
    async write(bytes) {
      await fs.mkdir(dir, { recursive: true });
      // The hash goes last: until it is written, the pair does not verify and the model is rebuilt.
      await fs.rm(hashFileName, { force: true });
      await writeFileAtomic(file, bytes);
      await writeFileAtomic(hashFileName, `${sha256(bytes)}\n`);
    },
  };
}

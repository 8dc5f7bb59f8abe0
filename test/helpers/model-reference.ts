import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { RgbImage } from '../../src/metrics/types.js';

/** The committed tiny model fixtures written by test/reference/model_ref.py. */
export const MODEL_REF = path.join(import.meta.dirname, '..', 'reference', 'model');
export const TINY_CLIP = path.join(MODEL_REF, 'clip-tiny.safetensors');
export const TINY_CKPT = path.join(MODEL_REF, 'ckpt-tiny.safetensors');

/**
 * Minimal .npy reader for the committed fixtures (little-endian float32 / uint8, C order), independent of
 * src/io/npy.ts so that a bug there cannot hide in the parity tests.
 */
export function readRefNpy(file: string): { shape: number[]; data: Float32Array | Uint8Array } {
  const buf = readFileSync(file);
  const hlen = buf.readUInt16LE(8);
  const header = buf.subarray(10, 10 + hlen).toString('latin1');
  const descr = /'descr':\s*'([^']+)'/.exec(header)![1];
  const shape = /'shape':\s*\(([^)]*)\)/.exec(header)![1].split(',').filter((s) => s.trim()).map(Number);
  const body = new Uint8Array(buf.subarray(10 + hlen));
  if (descr === '|u1') return { shape, data: body };
  assert.equal(descr, '<f4');
  return { shape, data: new Float32Array(body.slice().buffer) };
}

/** A (B, H, W, 3) uint8 .npy as B RGB frames. */
export function refFrames(file: string): RgbImage[] {
  const { shape, data } = readRefNpy(file);
  const [b, height, width] = shape;
  const n = height * width * 3;
  return Array.from({ length: b }, (_, i) => ({ data: (data as Uint8Array).slice(i * n, (i + 1) * n), width, height }));
}

/** max |a - b| / max |b|: the relative error the parity tests bound. */
export function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length, 'length');
  let err = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    err = Math.max(err, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return err / scale;
}

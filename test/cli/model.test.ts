import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parameterCount, readCheckpoint } from '../../src/model/checkpoint.js';

// Runs the built CLI (npm test builds first), like test/cli/doctor.test.ts.
const CLIP = path.join(import.meta.dirname, '..', 'reference', 'model', 'clip-tiny.safetensors');
const cli = (...args: string[]) => spawnSync('node', ['bin/run.js', ...args], { encoding: 'utf8', env: { ...process.env, DEPTHKIT_CLIP: '' } });

test('model init writes a seeded checkpoint that model info describes', () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'depthkit-init-'));
  const a = path.join(tmp, 'a.safetensors');
  const b = path.join(tmp, 'b.safetensors');
  const init = (out: string, seed: string) => JSON.parse(execFileSync('node', ['bin/run.js', 'model', 'init', '--clip', CLIP, '--out', out, '--seed', seed, '--max-depth', '80', '--input-size', '48x24', '--json'], { encoding: 'utf8' }));
  const made = init(a, '3');
  init(b, '3');
  assert.deepEqual(readFileSync(a), readFileSync(b), 'same seed, same bytes');
  const ckpt = readCheckpoint(a);
  assert.equal(ckpt.config.maxDepth, 80);
  assert.deepEqual(ckpt.config.inputSize, { width: 48, height: 24 });
  assert.equal(ckpt.config.clip.variant, 'tiny');
  assert.equal(made.parameters, parameterCount(ckpt.config));

  const info = JSON.parse(execFileSync('node', ['bin/run.js', 'model', 'info', a, '--json'], { encoding: 'utf8' }));
  assert.deepEqual(info.config, ckpt.config);
  assert.equal(info.parameters, made.parameters);
  assert.deepEqual(info.tensors[0], { name: 'mirror', shape: [8, 32], parameters: 256 });
  const text = execFileSync('node', ['bin/run.js', 'model', 'info', a], { encoding: 'utf8' });
  assert.match(text, /CLIP tiny \+ mirror \(8 tokens/);
  assert.match(text, /decoder\.stages\.2\.film\.weight\s+\[8, 16\]\s+128/);
});

test('model init and info fail with one-line errors', () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'depthkit-init-'));
  const noClip = cli('model', 'init', '--out', path.join(tmp, 'x.safetensors'));
  assert.equal(noClip.status, 2);
  assert.equal(noClip.stderr.trim(), 'depthkit: CLIP weights not found: pass --clip <model.safetensors> or set DEPTHKIT_CLIP (see README, Model weights)');
  const preset = cli('model', 'init', '--clip', CLIP, '--out', path.join(tmp, 'x.safetensors'), '--preset', 'ViT-B/16');
  assert.match(preset.stderr, /clip-tiny\.safetensors: --preset ViT-B\/16 but the weights are tiny/);
  const info = cli('model', 'info', CLIP);
  assert.equal(info.status, 2);
  assert.match(info.stderr, /clip-tiny\.safetensors: not a depthkit checkpoint/);
});

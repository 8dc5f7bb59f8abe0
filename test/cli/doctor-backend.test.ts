import { test } from 'node:test';
import assert from 'node:assert/strict';
import { depthkit } from '../helpers/cli.js';
import { ENGINE_REQUESTS } from '../../src/model/engine.js';

test('doctor --backend takes every engine the other commands take', () => {
  const onnx = depthkit(['doctor', '--backend', 'onnx', '--json']);
  assert.equal(onnx.code, 0, onnx.stdout + onnx.stderr);
  assert.match(JSON.parse(onnx.stdout).engine, /^onnx(-cuda)?$/);
  const wasm = depthkit(['doctor', '--backend', 'wasm', '--json']);
  assert.equal(wasm.code, 0, wasm.stdout + wasm.stderr);
  assert.equal(JSON.parse(wasm.stdout).engine, 'wasm');
  // Every value the flag refuses would be a value another command accepts: none.
  const help = depthkit(['doctor', '--help']);
  for (const name of ENGINE_REQUESTS) assert.match(help.stdout, new RegExp(`\\b${name}\\b`));
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CUDNN_LIB, EXPECTED_CUDA_LIBS, cudaLibraryReport, elfNeeded } from '../../../src/model/onnx/cuda-libs.js';
import { onnxBinDir } from '../../../src/model/onnx/probe.js';

const ORT_LIB = path.join(onnxBinDir(), 'libonnxruntime.so.1');

test('elfNeeded reads the DT_NEEDED entries readelf shows', { skip: process.platform !== 'linux' && 'ELF only' }, () => {
  let readelf: string;
  try {
    readelf = execFileSync('readelf', ['-d', ORT_LIB], { encoding: 'utf8' });
  } catch {
    return; // binutils absent: nothing independent to compare with
  }
  const want = [...readelf.matchAll(/\(NEEDED\)\s+Shared library: \[([^\]]+)\]/g)].map((m) => m[1]);
  assert.ok(want.length > 3);
  assert.deepEqual(elfNeeded(ORT_LIB), want);
  assert.deepEqual(elfNeeded(path.join(import.meta.dirname, 'cuda-libs.test.ts')), [], 'not an ELF file');
});

test('the CUDA report names each required library found (with its path) or missing, and the driver', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'depthkit-cudalibs-'));
  const present = 'libcublasLt.so.13';
  writeFileSync(path.join(dir, present), '');
  const saved = process.env.LD_LIBRARY_PATH;
  process.env.LD_LIBRARY_PATH = dir;
  try {
    // No provider installed at this path: the libraries the 1.29/1.30 provider links, plus cuDNN 9.
    const r = cudaLibraryReport(path.join(dir, 'absent', 'libonnxruntime_providers_cuda.so'));
    const names = [...r.found.map((f) => f.name), ...r.missing].sort();
    assert.deepEqual(names, [...EXPECTED_CUDA_LIBS, CUDNN_LIB].sort());
    assert.deepEqual(r.found.find((f) => f.name === present), { name: present, path: path.join(dir, present) });
    for (const m of r.missing) assert.match(r.summary, new RegExp(m.replace(/\./g, '\\.')));
    assert.match(r.summary, r.driver === undefined ? /no NVIDIA driver loaded/ : /driver \d+/);
  } finally {
    if (saved === undefined) delete process.env.LD_LIBRARY_PATH;
    else process.env.LD_LIBRARY_PATH = saved;
  }
});

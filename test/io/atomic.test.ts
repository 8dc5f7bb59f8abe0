import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureWritableDir, replaceImages } from '../../src/io/atomic.js';

test('plots and strips of an earlier run in the same folder are replaced, not left beside the new ones', async () => {
  const run = mkdtempSync(path.join(os.tmpdir(), 'dk-replace-'));
  const png = (s: string) => ({ png: new TextEncoder().encode(s) });
  await replaceImages(run, 'strips', [{ file: '01_a.png', ...png('a') }, { file: '02_b.png', ...png('b') }, { file: '03_c.png', ...png('c') }]);
  mkdirSync(path.join(run, 'strips', 'keep.d'));
  writeFileSync(path.join(run, 'strips', 'notes.txt'), 'user file');
  const files = await replaceImages(run, 'strips', [{ file: '01_c.png', ...png('c2') }]);
  assert.deepEqual(files, [path.join(run, 'strips', '01_c.png')]);
  assert.deepEqual(readdirSync(path.join(run, 'strips')).sort(), ['01_c.png', 'keep.d', 'notes.txt']);
  assert.equal(readFileSync(files[0], 'utf8'), 'c2');
});

test('an output folder that is a file, lies below a file, or cannot exist (procfs) fails at once, naming why', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'dk-outdir-'));
  const file = path.join(dir, 'notes.txt');
  writeFileSync(file, '');
  await assert.rejects(ensureWritableDir(file), /notes\.txt: output folder is not writable \(EEXIST\)$/);
  await assert.rejects(ensureWritableDir(path.join(file, 'sub')), /notes\.txt\/sub: output folder is not writable \(ENOTDIR\)$/);
  await ensureWritableDir(path.join(dir, 'a', 'b', 'c'));
  assert.deepEqual(readdirSync(path.join(dir, 'a', 'b')), ['c']);
  // Node's own recursive mkdir never returns here (it loops on procfs's ENOENT); ensureWritableDir must.
  if (existsSync('/proc/self')) await assert.rejects(ensureWritableDir('/proc/nope/x'), /\/proc\/nope\/x: output folder is not writable \(ENOENT\)$/);
});

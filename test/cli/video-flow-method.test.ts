import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeSynth } from '../../src/synth/write.js';
import { depthkit } from '../helpers/cli.js';

test('--flow-method picks the estimator, protocol.flow names it, and an unknown one is refused', async () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'dk-flow-method-'));
  try {
    const s = await writeSynth(path.join(tmp, 's'), { scene: 'room', frames: 4, width: 64, height: 48, fps: 12, fov: 70, seed: 3, motion: 'pan', saveFrames: false });
    const run = (method: string | undefined, out: string) =>
      depthkit(['video', s.video, '--depth', `gt=${s.depth}`, '--depth-scale', '1000', '--no-preview', '--out', path.join(tmp, out), ...(method ? ['--flow-method', method] : [])]);
    const flow = (out: string) => JSON.parse(readFileSync(path.join(tmp, out, 'run.json'), 'utf8')).protocol.flow as string;
    assert.equal(run(undefined, 'default').code, 0);
    assert.match(flow('default'), /DIS \(dense inverse search/);
    assert.equal(run('lk', 'lk').code, 0);
    assert.match(flow('lk'), /Lucas-Kanade/);
    const bad = run('farneback', 'bad');
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /flow-method/);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeSynth } from '../../src/synth/write.js';
import { depthkit } from '../helpers/cli.js';

test('--flow-method and --flow-preset pick the estimator, protocol.flow names both, and unknown ones are refused', async () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'dk-flow-method-'));
  try {
    const s = await writeSynth(path.join(tmp, 's'), { scene: 'room', frames: 4, width: 64, height: 48, fps: 12, fov: 70, seed: 3, motion: 'pan', saveFrames: false });
    const run = (method: string | undefined, out: string, extra: string[] = []) =>
      depthkit(['video', s.video, '--depth', `gt=${s.depth}`, '--depth-scale', '1000', '--no-preview', '--out', path.join(tmp, out), ...(method ? ['--flow-method', method] : []), ...extra]);
    const flow = (out: string) => JSON.parse(readFileSync(path.join(tmp, out, 'run.json'), 'utf8')).protocol.flow as string;
    assert.equal(run(undefined, 'default').code, 0);
    assert.match(flow('default'), /DIS \(dense inverse search, fine preset: finest scale 0\)/);
    assert.equal(run(undefined, 'medium', ['--flow-preset', 'medium']).code, 0);
    assert.match(flow('medium'), /medium preset: finest scale 1/);
    const series = (out: string) => readFileSync(path.join(tmp, out, 'frames.csv'), 'utf8');
    assert.notEqual(series('medium'), series('default'), 'the preset reaches the estimator');
    const badPreset = run(undefined, 'bad-preset', ['--flow-preset', 'slow']);
    assert.notEqual(badPreset.code, 0);
    assert.match(badPreset.stderr, /flow-preset/);
    assert.equal(run('lk', 'lk').code, 0);
    assert.match(flow('lk'), /Lucas-Kanade/);
    const bad = run('farneback', 'bad');
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /flow-method/);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

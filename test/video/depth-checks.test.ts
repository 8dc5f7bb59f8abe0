import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { depthkit } from '../helpers/cli.js';
import { writeNpy } from '../../src/io/npy.js';
import { writeSynth } from '../../src/synth/write.js';
import { checkScaleNames, depthNotes, parseDepthScales, sourceScale } from '../../src/video/depth-checks.js';
import type { DepthSource } from '../../src/video/depth-source.js';

test('--depth-scale: one for all, per source by name or by a :scale suffix, each checked', () => {
  const scales = parseDepthScales(['1000', 'b=256']);
  assert.deepEqual(scales, { all: 1000, bySource: { b: 256 } });
  assert.deepEqual(sourceScale('a=preds/', scales), { spec: 'a=preds/', scale: 1000 });
  assert.deepEqual(sourceScale('b=preds_b/', scales), { spec: 'b=preds_b/', scale: 256 });
  assert.deepEqual(sourceScale('c=preds_c/:5000', scales), { spec: 'c=preds_c/', scale: 5000 });
  assert.deepEqual(sourceScale('preds/', { bySource: {} }), { spec: 'preds/', scale: 1 });
  for (const bad of ['0', '-1', 'a=0', 'a=', 'x', 'a=inf']) assert.throws(() => parseDepthScales([bad]), /--depth-scale must be a number greater than 0/);
  assert.throws(() => checkScaleNames(scales, ['a', 'c']), /--depth-scale names source 'b', but the --depth sources are a, c/);
});

test('notes: maps of another aspect ratio than the frames, and PNG depth far above the cap (millimetres)', () => {
  const source = (name: string, extra: Partial<DepthSource>) => ({ name, ...extra }) as DepthSource;
  const frame = { width: 1920, height: 1080 };
  const notes = depthNotes([
    source('portrait', { resizedFrom: { width: 1080, height: 1920 } }),
    source('rounded', { resizedFrom: { width: 854, height: 480 } }),
    source('mm', { pngMax: 4500 }),
    source('metres', { pngMax: 45 }),
  ], { dir: 'gt', count: 1, at: async () => { throw new Error('unused'); }, resizedFrom: { width: 640, height: 480 } }, frame, 80);
  assert.equal(notes.length, 3, notes.join('\n'));
  assert.match(notes[0], /^portrait: depth maps are 1080x1920 \(aspect 0\.563\), the frames 1920x1080 \(aspect 1\.778\)/);
  assert.match(notes[1], /^mm: PNG depth reaches 4500 after scaling, far above --max-depth 80: millimetres\? pass --depth-scale mm=1000$/);
  assert.match(notes[2], /^ground truth maps are 640x480/);
});

test('video: per-source scales give identical scores; unscaled millimetre PNGs and portrait maps get a note', async () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'dk-depth-scale-'));
  const synth = await writeSynth(path.join(tmp, 's'), { scene: 'room', frames: 6, width: 48, height: 32, fps: 12, fov: 70, seed: 3, motion: 'pan', saveFrames: false });
  const portrait = path.join(tmp, 'portrait');
  mkdirSync(portrait);
  for (let k = 0; k < 6; k++) await writeNpy(path.join(portrait, `${k}.npy`), new Float32Array(32 * 48).fill(3 + k), [48, 32]);
  const out = path.join(tmp, 'out');
  const r = depthkit(['video', synth.video, '--depth', `a=${synth.depth}:1000`, '--depth', `b=${synth.depth}`, '--depth-scale', 'b=1000',
    '--depth', `mm=${synth.depth}`, '--depth', `p=${portrait}`, '--out', out, '--no-preview', '--no-plots']);
  assert.equal(r.code, 0, r.stderr);
  const summary = readFileSync(path.join(out, 'summary.csv'), 'utf8').trim().split('\n').map((l) => l.split(','));
  const row = (name: string) => summary.find((cells) => cells[0] === name)!.slice(1).join(',');
  assert.equal(row('a').replace(/^[^,]*/, ''), row('b').replace(/^[^,]*/, ''));
  assert.match(r.stderr, /note: mm: PNG depth reaches \d+ after scaling, far above --max-depth 80: millimetres\? pass --depth-scale mm=1000/);
  assert.doesNotMatch(r.stderr, /note: (a|b): PNG depth/);
  assert.match(r.stderr, /note: p: depth maps are 32x48 \(aspect 0\.667\), the frames 48x32 \(aspect 1\.500\)/);
  const record = JSON.parse(readFileSync(path.join(out, 'run.json'), 'utf8'));
  assert.equal(record.protocol.depth_scale, 'a:1000 b:1000 mm:1 p:1');
});

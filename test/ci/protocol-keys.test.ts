import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { protocolDifferences } from '../../src/ci/protocol-check.js';
import { protocolRecord, resolveProtocol } from '../../src/eval/protocol.js';
import { PROTOCOL_KEYS } from '../../src/metrics/protocol-keys.js';
import { writeSynth } from '../../src/synth/write.js';
import { depthkit } from '../helpers/cli.js';

const KEYS: readonly string[] = PROTOCOL_KEYS;
/** Sidecar fields that describe the run, not the measurement (they may differ between comparable CSVs). */
const RUN_FIELDS = new Set(['depthkit_version', 'frames', 'interrupted', 'skipped', 'resized', 'pred', 'gt']);

test("eval's protocol record writes only registered protocol keys, pred_scale among them", () => {
  const rec = protocolRecord(resolveProtocol({ dataset: 'kitti' }));
  assert.deepEqual(Object.keys(rec).filter((k) => !KEYS.includes(k)), []);
  assert.ok('pred_scale' in rec);
  const other = protocolRecord(resolveProtocol({ dataset: 'kitti', predScale: 256 }));
  assert.deepEqual(protocolDifferences(rec, other).map((d) => d.field), ['pred_scale']);
});

test('video sidecars hold analysis_size, flow and depth_scale, and compare warns when they differ', async () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'dk-protocol-'));
  try {
    const s = await writeSynth(path.join(tmp, 's'), { scene: 'room', frames: 3, width: 64, height: 48, fps: 12, fov: 70, seed: 4, motion: 'pan', saveFrames: false });
    const run = (out: string, extra: string[]) =>
      depthkit(['video', s.video, '--depth', `gt=${s.depth}`, '--depth-scale', '1000', '--no-preview', '--out', path.join(tmp, out), ...extra]);
    assert.equal(run('a', []).code, 0);
    assert.equal(run('b', ['--analysis-size', '48', '--flow-method', 'lk']).code, 0);
    const meta = JSON.parse(readFileSync(path.join(tmp, 'a', 'summary.csv.meta.json'), 'utf8')) as Record<string, unknown>;
    assert.deepEqual(Object.keys(meta).filter((k) => !KEYS.includes(k) && !RUN_FIELDS.has(k)), [], 'every protocol field the sidecar holds is compared');
    for (const k of ['analysis_size', 'flow', 'depth_scale']) assert.ok(k in meta, `${k} in the sidecar`);
    const cmp = depthkit(['compare', path.join(tmp, 'a', 'summary.csv'), path.join(tmp, 'b', 'summary.csv'), '--key', 'model']);
    // oclif wraps warnings at the terminal width (continuation lines start with ›).
    const warnings = cmp.stderr.replace(/\s*›\s*/g, ' ').replace(/\s+/g, ' ');
    assert.match(warnings, /protocol differs: analysis_size = 64x48 \(baseline\) vs 48x36 \(candidate\)/);
    assert.match(warnings, /protocol differs: flow = estimated \(DIS .*\) vs estimated \(coarse-to-fine Lucas-Kanade\)/);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

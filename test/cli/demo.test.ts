import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runDemo } from '../../src/demo/run-demo.js';

test('the demo scores four sources on a synth video and ranks them as the metrics promise', async () => {
  const out = mkdtempSync(path.join(os.tmpdir(), 'depthkit-demo-'));
  const r = await runDemo(out);
  const rows = new Map(r.video.summary.map((row) => [String(row.model), row]));
  assert.deepEqual([...rows.keys()], ['demo-tiny', 'gt-flicker', 'constant', 'ground-truth']);
  const num = (model: string, metric: string) => Number(rows.get(model)![metric]);
  // Ground truth against itself is perfect on accuracy.
  assert.equal(num('ground-truth', 'abs_rel'), 0);
  assert.equal(num('ground-truth', 'd1'), 1);
  // Flicker hides from per-frame accuracy (d1 stays 1) but not from the temporal metrics.
  assert.equal(num('gt-flicker', 'd1'), 1);
  assert.ok(num('gt-flicker', 'flicker') > num('ground-truth', 'flicker'), 'flicker');
  assert.ok(num('gt-flicker', 'tae') > 5 * num('ground-truth', 'tae'), 'tae');
  assert.ok(num('gt-flicker', 'rtc_105') < num('ground-truth', 'rtc_105'), 'rtc');
  // A constant map is "perfect" on OPW and rTC and bad on accuracy: reported side by side.
  assert.equal(num('constant', 'opw'), 0);
  assert.equal(num('constant', 'rtc_105'), 1);
  assert.ok(num('constant', 'abs_rel') > 0.2, 'constant abs_rel');
  // The trained demo model beats the constant map on accuracy.
  assert.ok(num('demo-tiny', 'abs_rel') < num('constant', 'abs_rel'), 'demo model vs constant');
  const html = readFileSync(r.report, 'utf8');
  for (const model of rows.keys()) assert.ok(html.includes(model), `report names ${model}`);
  for (const f of ['frames.csv', 'summary.csv', 'preview.mp4', 'run.json']) assert.ok(existsSync(path.join(r.video.out, f)), f);
});

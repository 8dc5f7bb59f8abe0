import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { absRelErrorMap, gtValidity } from '../../src/report/error-map.js';
import { inferno, infernoTable } from '../../src/report/inferno.js';
import { turbo } from '../../src/report/colormap.js';
import { layoutStrip, renderStrip, STRIP_STYLE, type StripInput } from '../../src/report/strip.js';
import { writeEvalWorstStrips, writeWorstStrips } from '../../src/report/strips.js';
import { sanitizePrediction } from '../../src/metrics/accuracy.js';
import type { RgbImage } from '../../src/metrics/types.js';
import { readCsv } from '../../src/io/csv.js';
import { evalRun } from '../helpers/report-fixtures.js';
import { ROOT } from '../helpers/cli.js';

const REF = path.join(ROOT, 'test/reference/report/expected.json');
interface Ref {
  width: number; height: number; min_depth: number; max_depth: number;
  pred: (number | null)[]; gt: number[]; mask: number[]; valid: number[]; error: (number | null)[];
  clamped_pred: number[]; abs_rel_clamped: number; inferno_points: Record<string, [number, number, number]>;
}
const ref = JSON.parse(readFileSync(REF, 'utf8')) as Ref;
const refPred = Float32Array.from(ref.pred, (v) => (v === null ? NaN : v));
const refGt = Float32Array.from(ref.gt);

const pixel = (img: RgbImage, x: number, y: number) => Array.from(img.data.subarray((y * img.width + x) * 3, (y * img.width + x) * 3 + 3));
const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'depthkit-strip-'));

test('the committed reference is what report_ref.py writes (when python3 + numpy are here)', () => {
  const py = spawnSync('python3', ['-c', 'import numpy'], { encoding: 'utf8' });
  if (py.status !== 0) return;
  const out = path.join(tmp(), 'expected.json');
  const r = spawnSync('python3', [path.join(ROOT, 'test/reference/report_ref.py'), out], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(readFileSync(out, 'utf8')), ref);
});

test('validity and the abs-rel error map match numpy to 1e-6, and the map averages to abs_rel', () => {
  const map = { data: refGt, width: ref.width, height: ref.height };
  const valid = gtValidity(map, { minDepth: ref.min_depth, maxDepth: ref.max_depth, mask: Uint8Array.from(ref.mask) });
  assert.deepEqual(Array.from(valid), ref.valid);
  const err = absRelErrorMap(refPred, refGt, valid);
  ref.error.forEach((e, i) => {
    if (e === null) assert.ok(Number.isNaN(err[i]), `pixel ${i}: expected no value, got ${err[i]}`);
    else assert.ok(Math.abs(err[i] - e) <= 1e-6 * e + 1e-9, `pixel ${i}: ${err[i]} vs ${e}`);
  });
  const clamped = absRelErrorMap(sanitizePrediction(refPred, { minDepth: ref.min_depth, maxDepth: ref.max_depth }), refGt, valid);
  const finite = Array.from(clamped).filter(Number.isFinite);
  const mean = finite.reduce((s, v) => s + v, 0) / finite.length;
  assert.ok(Math.abs(mean - ref.abs_rel_clamped) < 1e-6 * ref.abs_rel_clamped, `${mean} vs ${ref.abs_rel_clamped}`);
});

test('inferno stays within 6 8-bit steps of matplotlib\'s table', () => {
  for (const [index, expected] of Object.entries(ref.inferno_points)) {
    const got = inferno(Number(index) / 255);
    got.forEach((c, ch) => assert.ok(Math.abs(c - expected[ch]) <= 6, `inferno[${index}] = ${got}, matplotlib ${expected}`));
  }
});

function stripInput(withRgb: boolean): StripInput {
  const { width, height } = ref;
  const rgb = { data: new Uint8Array(width * height * 3).fill(200), width, height };
  return {
    rgb: withRgb ? rgb : undefined,
    pred: { data: refPred, width, height },
    gt: { data: refGt, width, height },
    minDepth: ref.min_depth,
    maxDepth: ref.max_depth,
    mask: Uint8Array.from(ref.mask),
    title: 'example',
  };
}

test('renderStrip lays out RGB | prediction | ground truth | error at the size the layout promises', async () => {
  const s = STRIP_STYLE;
  for (const [input, panels] of [[stripInput(true), 4], [stripInput(false), 3], [{ pred: stripInput(false).pred }, 1]] as const) {
    const layout = layoutStrip(input);
    assert.equal(layout.panels.length, panels);
    // 16 px wide maps are enlarged to the minimum panel width, keeping the aspect.
    const pw = s.minPanelWidth;
    const ph = Math.round(ref.height * (pw / ref.width));
    const expectedWidth = s.pad + panels * (pw + s.pad);
    const expectedHeight = s.pad + ('title' in input && input.title ? s.caption : 0) + s.panelTitle + ph + s.barGap + s.bar + s.barLabels + s.pad;
    const img = await renderStrip(input);
    assert.deepEqual([img.width, img.height], [expectedWidth, expectedHeight]);
    assert.equal(img.data.length, img.width * img.height * 3);
    assert.ok(layout.panels.every((p) => p.width === pw && p.height === ph));
  }
});

test('colour bars span their colormap end to end, and labels never cover them', async () => {
  const input = stripInput(true);
  const layout = layoutStrip(input);
  const img = await renderStrip(input);
  const inf = infernoTable();
  const bars = layout.panels.filter((p) => p.bar);
  assert.deepEqual(bars.map((p) => p.kind), ['pred', 'gt', 'error']);
  for (const p of bars) {
    const b = p.bar!;
    const y = b.y + Math.floor(b.height / 2);
    const at = (t: number) => (p.kind === 'error' ? Array.from(inf.subarray(3 * Math.round(255 * t), 3 * Math.round(255 * t) + 3)) : turbo(Math.round(255 * t) / 255));
    assert.deepEqual(pixel(img, b.x, y), at(0), `${p.kind} bar starts at the colormap's first colour`);
    assert.deepEqual(pixel(img, b.x + b.width - 1, y), at(1), `${p.kind} bar ends at its last colour`);
    // Every column of the bar is the colour of its position along the bar.
    for (let x = 0; x < b.width; x++) assert.deepEqual(pixel(img, b.x + x, y), at(x / (b.width - 1)));
  }
  assert.deepEqual(inferno(0), Array.from(inf.subarray(0, 3)));
});

test('the error panel shows each valid pixel\'s error in inferno over 0..0.5 and grey where there is no ground truth', () => {
  const input = stripInput(false);
  const layout = layoutStrip(input);
  const panel = layout.panels.find((p) => p.kind === 'error')!;
  const inf = infernoTable();
  const scale = panel.width / ref.width;
  for (let i = 0; i < ref.valid.length; i++) {
    const x = i % ref.width;
    const y = Math.floor(i / ref.width);
    const px = pixel(layout.image, panel.x + Math.floor((x + 0.5) * scale), panel.y + Math.floor((y + 0.5) * scale));
    const e = ref.error[i];
    if (e === null) assert.deepEqual(px, [...STRIP_STYLE.noData], `pixel ${i} has no valid ground truth`);
    else {
      const k = 3 * Math.round(255 * Math.min(1, e / 0.5));
      assert.deepEqual(px, Array.from(inf.subarray(k, k + 3)), `pixel ${i}: error ${e}`);
    }
  }
});

test('writeWorstStrips saves the caller\'s items in order as PNGs that decode at the strip size', async () => {
  const dir = tmp();
  const a = stripInput(true);
  const files = await writeWorstStrips(dir, [{ ...a, name: 'frame 7' }, { ...stripInput(false), name: 'b/c' }]);
  assert.deepEqual(files.map((f) => path.relative(dir, f)), [path.join('strips', '01_frame_7.png'), path.join('strips', '02_b_c.png')]);
  const meta = await sharp(files[0]).metadata();
  const expected = await renderStrip(a);
  assert.deepEqual([meta.width, meta.height, meta.format], [expected.width, expected.height, 'png']);
});

test('writeEvalWorstStrips finds the worst abs_rel images of an eval run and re-reads their files', async () => {
  const dir = tmp();
  const run = await evalRun(dir, { n: 5 });
  const rows = (await readCsv(path.join(run, 'per_image.csv'))).rows;
  const worst = [...rows].sort((x, y) => Number(y.abs_rel) - Number(x.abs_rel)).slice(0, 2).map((r) => r.name);
  const files = await writeEvalWorstStrips(run, 2);
  assert.deepEqual(readdirSync(path.join(run, 'strips')).sort(), [`01_${worst[0]}.png`, `02_${worst[1]}.png`]);
  assert.equal(files.length, 2);
  const meta = await sharp(files[0]).metadata();
  // RGB was found next to pred and gt (run.json inputs.rgb): four panels.
  assert.equal(meta.width, STRIP_STYLE.pad + 4 * (STRIP_STYLE.minPanelWidth + STRIP_STYLE.pad));
});

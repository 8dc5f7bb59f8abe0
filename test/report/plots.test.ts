import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { histogramSpec, writeEvalPlots, writeVideoPlots } from '../../src/report/plots.js';
import { readRunFolder } from '../../src/report/run-folder.js';
import { chartSvg, PLOT_PIXEL_RATIO, PLOT_SIZE } from '../../src/report/chart.js';
import { videoRun, seeded } from '../helpers/report-fixtures.js';

const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'depthkit-plots-'));

/** An eval run folder with per-image rows written here (no image files needed for plots). */
function craftedEvalRun(n: number): { dir: string; absRel: number[] } {
  const dir = path.join(tmp(), 'eval');
  mkdirSync(dir);
  const rand = seeded(3);
  const absRel = Array.from({ length: n }, () => Number((0.05 + 0.2 * rand()).toFixed(5)));
  const lines = ['name,abs_rel,rmse,d1', ...absRel.map((a, i) => `${i},${a},${(3 * a).toFixed(4)},${(1 - a).toFixed(4)}`)];
  writeFileSync(path.join(dir, 'per_image.csv'), `${lines.join('\n')}\n`);
  writeFileSync(path.join(dir, 'summary.csv'), `count,abs_rel\n${n},${absRel.reduce((s, v) => s + v, 0) / n}\n`);
  return { dir, absRel };
}

async function pngSize(file: string): Promise<[number, number, string]> {
  const m = await sharp(file).metadata();
  return [m.width, m.height, m.format];
}

const expectedSize: [number, number, string] = [PLOT_SIZE.width * PLOT_PIXEL_RATIO, PLOT_SIZE.height * PLOT_PIXEL_RATIO, 'png'];

test('writeEvalPlots writes abs_rel and d1 histograms that decode at the plot size', async () => {
  const { dir } = craftedEvalRun(40);
  const files = await writeEvalPlots(dir);
  assert.deepEqual(files.map((f) => path.relative(dir, f)), [path.join('plots', 'abs_rel_hist.png'), path.join('plots', 'd1_hist.png')]);
  for (const f of files) assert.deepEqual(await pngSize(f), expectedSize);
});

test('the histogram counts the CSV rows and marks the mean of the column', async () => {
  const { dir, absRel } = craftedEvalRun(25);
  const mean = absRel.reduce((s, v) => s + v, 0) / absRel.length;
  const run = await readRunFolder(dir);
  const values = run.rows.rows.map((r) => Number(r.abs_rel));
  const svg = await chartSvg(histogramSpec('abs_rel', values));
  assert.match(svg, new RegExp(`25 images, mean ${mean.toPrecision(4).replace('.', '\\.')}`));
  assert.match(svg, /abs_rel per image \(lower is better\)/);
  assert.match(svg, new RegExp(`width="${PLOT_SIZE.width}" height="${PLOT_SIZE.height}"`));
});

test('writeVideoPlots draws one curve file per metric frames.csv holds, skipping absent ones', async () => {
  const withGt = videoRun(path.join(tmp(), 'v1'));
  const files = await writeVideoPlots(withGt);
  assert.deepEqual(files.map((f) => path.basename(f)), ['frames_abs_rel.png', 'frames_opw.png', 'frames_rtc_105.png', 'frames_flicker.png', 'frames_smoothness.png']);
  for (const f of files) assert.deepEqual(await pngSize(f), expectedSize);
  const noGt = videoRun(path.join(tmp(), 'v2'), { withGt: false });
  assert.deepEqual((await writeVideoPlots(noGt)).map((f) => path.basename(f)), ['frames_opw.png', 'frames_rtc_105.png', 'frames_flicker.png', 'frames_smoothness.png']);
});

test('plots refuse a folder without run CSVs and a run of the other kind, naming the folder', async () => {
  const empty = tmp();
  await assert.rejects(writeEvalPlots(empty), (e: Error) => e.message.startsWith(`${empty}: not a depthkit run folder`));
  const video = videoRun(path.join(tmp(), 'v'));
  await assert.rejects(writeEvalPlots(video), (e: Error) => e.message === `${video}: holds a video run, not an eval run`);
});

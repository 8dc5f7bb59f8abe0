import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeReport } from '../../src/report/report.js';
import { formatValue } from '../../src/report/html.js';
import { readCsv } from '../../src/io/csv.js';
import { metricDirection } from '../../src/ci/metric-direction.js';
import { depthkit } from '../helpers/cli.js';
import { evalRun, videoRun } from '../helpers/report-fixtures.js';

const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'depthkit-report-'));

/** The summary table read back from the page: column labels (run, or "run/model") and metric rows of cells. */
function summaryTable(html: string): { columns: string[]; metrics: { name: string; cells: { text: string; best: boolean }[] }[] } {
  const table = /<table class="summary">([\s\S]*?)<\/table>/.exec(html)?.[1] ?? '';
  const head = /<thead>([\s\S]*?)<\/thead>/.exec(table)?.[1] ?? '';
  const columns = [...head.matchAll(/<th class="num">(.*?)<\/th>/g)].map((m) => m[1].replace(/<br><span class="model">(.*?)<\/span>/, '/$1'));
  const metrics = [...table.matchAll(/<tr><th scope="row"[^>]*>([^<]*)<\/th>([\s\S]*?)<\/tr>/g)].map((m) => ({
    name: m[1].replace(/ [↓↑]$/, ''),
    cells: [...m[2].matchAll(/<td([^>]*)>([^<]*)<\/td>/g)].map((c) => ({ text: c[2], best: /class="[^"]*\bbest\b/.test(c[1]) })),
  }));
  return { columns, metrics };
}

test('a report of two eval runs names both, shows their summary values and highlights the best of each metric', async () => {
  const d = tmp();
  const a = await evalRun(path.join(d, 'a'), { noise: 0.1 });
  const b = await evalRun(path.join(d, 'b'), { noise: 0.3, seed: 5 });
  const { out, runs } = await writeReport([a, b], { now: new Date('2026-11-25T12:00:00Z') });
  assert.equal(out, path.join(a, 'report.html'));
  assert.deepEqual(runs.map((r) => r.name), ['a/run', 'b/run']);
  const html = readFileSync(out, 'utf8');
  assert.match(html, /<title>depthkit report: a\/run vs b\/run<\/title>/);
  const { columns, metrics } = summaryTable(html);
  assert.deepEqual(columns, ['a/run', 'b/run']);
  const sums = await Promise.all([a, b].map(async (dir) => (await readCsv(path.join(dir, 'summary.csv'))).rows[0]));
  assert.deepEqual(metrics.map((m) => m.name), ['count', 'abs_rel', 'sq_rel', 'rmse', 'rmse_log', 'log10', 'silog', 'd1', 'd2', 'd3']);
  let ranked = 0;
  for (const m of metrics) {
    const values = sums.map((s) => Number(s[m.name]));
    const dir = metricDirection(m.name);
    const bestValue = dir === 'lower' ? Math.min(...values) : dir === 'higher' ? Math.max(...values) : undefined;
    m.cells.forEach((cell, i) => {
      assert.equal(cell.text, formatValue(values[i]), `${columns[i]} ${m.name}`);
      const shouldBeBest = bestValue !== undefined && values[i] === bestValue;
      assert.equal(cell.best, shouldBeBest, `${columns[i]} ${m.name}: best ${shouldBeBest}`);
      if (shouldBeBest) ranked++;
    });
  }
  assert.ok(ranked >= 9, `${ranked} highlighted cells`);
  // The less noisy run wins on abs_rel.
  const absRel = metrics.find((m) => m.name === 'abs_rel')!;
  assert.deepEqual(absRel.cells.map((c) => c.best), [true, false]);
  assert.match(html, /kitti/);
  assert.match(html, /<th scope="row">inputs\.pred<\/th>/);
});

test('the page is self-contained: images are data URIs, no script, no external reference', async () => {
  const d = tmp();
  const a = await evalRun(path.join(d, 'a'), { n: 4 });
  const v = videoRun(path.join(d, 'vid'));
  const out = path.join(d, 'page', 'r.html');
  await writeReport([a, v], { out });
  const html = readFileSync(out, 'utf8');
  const srcs = [...html.matchAll(/<img src="([^"]+)"/g)].map((m) => m[1]);
  // 2 eval histograms + 5 video curves + 3 worst strips.
  assert.equal(srcs.length, 10);
  assert.ok(srcs.every((s) => s.startsWith('data:image/png;base64,')));
  assert.doesNotMatch(html, /<script|<link|https?:\/\/|url\(/i);
  assert.deepEqual(summaryTable(html).columns, ['run', 'vid/builtin', 'vid/other']);
});

test('depthkit report --json prints the page and the runs; a folder without CSVs is a one-line error and writes nothing', () => {
  const d = tmp();
  const v1 = videoRun(path.join(d, 'v1'));
  const v2 = videoRun(path.join(d, 'v2'), { withGt: false });
  const ok = depthkit(['report', v1, v2, '--json']);
  assert.equal(ok.code, 0, ok.stderr);
  const json = JSON.parse(ok.stdout);
  assert.equal(json.out, path.join(v1, 'report.html'));
  assert.deepEqual(json.runs.map((r: { name: string; kind: string }) => `${r.name}:${r.kind}`), ['v1:video', 'v2:video']);
  assert.ok(existsSync(json.out));

  const bare = path.join(d, 'not-a-run');
  mkdirSync(bare);
  writeFileSync(path.join(bare, 'notes.txt'), 'hello');
  const out = path.join(d, 'never.html');
  const bad = depthkit(['report', v2, bare, '--out', out]);
  assert.notEqual(bad.code, 0);
  assert.equal(bad.stderr.trim().split('\n').length, 1, bad.stderr);
  assert.match(bad.stderr, new RegExp(`${bare}: not a depthkit run folder`));
  assert.ok(!existsSync(out));
  assert.ok(!existsSync(path.join(v2, 'report.html')));
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DepthkitError } from '../../src/errors.js';
import { runCompare, type CompareRequest } from '../../src/ci/run-compare.js';
import type { MetricComparison } from '../../src/ci/compare.js';

function dir(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'depthkit-compare-'));
}

function csv(d: string, name: string, text: string, meta?: object): string {
  const file = path.join(d, name);
  writeFileSync(file, text);
  if (meta) writeFileSync(`${file}.meta.json`, JSON.stringify(meta));
  return file;
}

function compare(d: string, baseline: string, candidate: string, extra: Partial<CompareRequest> = {}) {
  return runCompare({ baseline, candidate, cwd: d, allowNewRows: false, allowMissingRows: false, strictProtocol: false, resamples: 1000, ...extra });
}

const metric = (ms: MetricComparison[], name: string) => ms.find((m) => m.metric === name) as MetricComparison;
const SUMMARY = 'count,abs_rel,rmse,d1\n';
const BASE = `${SUMMARY}100,0.100,2.500,0.900\n`;

test('summary: improvement passes; every metric and the count are listed', async () => {
  const d = dir();
  const run = await compare(d, csv(d, 'b.csv', BASE), csv(d, 'c.csv', `${SUMMARY}100,0.090,2.4,0.93\n`));
  assert.equal(run.result.mode, 'summary');
  assert.equal(run.result.passed, true);
  assert.deepEqual(run.result.metrics.map((m) => [m.metric, m.verdict]), [
    ['abs_rel', 'improved'], ['rmse', 'improved'], ['d1', 'improved'], ['count', 'reported'],
  ]);
  assert.ok(Math.abs(metric(run.result.metrics, 'abs_rel').delta + 0.01) < 1e-15);
});

test('summary: absolute tolerance, inside (at the boundary) and outside', async () => {
  const d = dir();
  const b = csv(d, 'b.csv', BASE);
  const inside = await compare(d, b, csv(d, 'c1.csv', `${SUMMARY}100,0.102,2.5,0.9\n`), { tolerance: ['abs_rel=0.002'] });
  assert.equal(metric(inside.result.metrics, 'abs_rel').verdict, 'within tolerance');
  assert.equal(inside.result.passed, true);
  const outside = await compare(d, b, csv(d, 'c2.csv', `${SUMMARY}100,0.1021,2.5,0.9\n`), { tolerance: ['abs_rel=0.002'] });
  assert.equal(metric(outside.result.metrics, 'abs_rel').verdict, 'REGRESSED');
  assert.equal(outside.result.passed, false);
  // --default-tolerance 0: any worsening regresses.
  const strict = await compare(d, b, csv(d, 'c3.csv', `${SUMMARY}100,0.1,2.5001,0.9\n`), { defaultTolerance: '0' });
  assert.equal(metric(strict.result.metrics, 'rmse').verdict, 'REGRESSED');
  // Without one, a metric without its own tolerance may worsen by 1% of the baseline.
  const loose = await compare(d, b, csv(d, 'c4.csv', `${SUMMARY}100,0.1,2.5249,0.9\n`));
  assert.deepEqual([metric(loose.result.metrics, 'rmse').verdict, metric(loose.result.metrics, 'rmse').tolerance], ['within tolerance', '1%']);
  const over = await compare(d, b, csv(d, 'c5.csv', `${SUMMARY}100,0.1,2.5251,0.9\n`));
  assert.equal(metric(over.result.metrics, 'rmse').verdict, 'REGRESSED');
});

test('summary: relative tolerance is a percentage of the baseline', async () => {
  const d = dir();
  const b = csv(d, 'b.csv', BASE);
  // rmse 2.5 -> 2.52 is +0.8%; -> 2.53 is +1.2%.
  const ok = await compare(d, b, csv(d, 'c1.csv', `${SUMMARY}100,0.1,2.52,0.9\n`), { tolerance: ['rmse=1%'] });
  assert.equal(metric(ok.result.metrics, 'rmse').verdict, 'within tolerance');
  assert.equal(metric(ok.result.metrics, 'rmse').allowed, 0.025);
  const bad = await compare(d, b, csv(d, 'c2.csv', `${SUMMARY}100,0.1,2.53,0.9\n`), { defaultTolerance: '1%' });
  assert.equal(metric(bad.result.metrics, 'rmse').verdict, 'REGRESSED');
  assert.equal(metric(bad.result.metrics, 'abs_rel').tolerance, '1%');
});

test('d1..d3 are higher-is-better', async () => {
  const d = dir();
  const head = 'd1,d2,d3\n';
  const b = csv(d, 'b.csv', `${head}0.90,0.97,0.99\n`);
  const run = await compare(d, b, csv(d, 'c.csv', `${head}0.95,0.96,0.99\n`), { tolerance: ['d2=0.005'] });
  assert.deepEqual(run.result.metrics.map((m) => m.verdict), ['improved', 'REGRESSED', 'same']);
  const within = await compare(d, b, csv(d, 'c2.csv', `${head}0.90,0.966,0.99\n`), { tolerance: ['d2=0.005'] });
  assert.equal(within.result.passed, true);
});

test('summary NaN (--allow-nonfinite): regresses unless both sides are NaN', async () => {
  const d = dir();
  const run = await compare(d, csv(d, 'b.csv', 'abs_rel,rmse,d1\nnan,2.5,0.9\n'), csv(d, 'c.csv', 'abs_rel,rmse,d1\nNaN,nan,0.9\n'), { allowNonfinite: true });
  assert.deepEqual(run.result.metrics.map((m) => m.verdict), ['same', 'REGRESSED', 'same']);
  assert.equal(run.result.passed, false);
});

const ROWS = 'name,abs_rel,d1,valid_pixels\n';

test('per-row: mean of paired deltas gates, with an interval beside it', async () => {
  const d = dir();
  const b = csv(d, 'b.csv', `${ROWS}a,0.10,0.90,100\nb,0.20,0.80,100\nc,0.30,0.70,100\nd,0.40,0.60,100\n`);
  const c = csv(d, 'c.csv', `${ROWS}d,0.43,0.60,100\nc,0.31,0.70,100\nb,0.20,0.80,100\na,0.10,0.90,100\n`);
  const run = await compare(d, b, c, { tolerance: ['abs_rel=0.005'] });
  assert.equal(run.result.mode, 'rows');
  assert.equal(run.result.key, 'name');
  const a = metric(run.result.metrics, 'abs_rel');
  // Deltas 0, 0, 0.01, 0.03 (matched by name, not by position): mean 0.01.
  assert.ok(Math.abs(a.delta - 0.01) < 1e-12);
  assert.equal(a.verdict, 'REGRESSED');
  assert.ok(a.interval && a.interval.lo >= 0 && a.interval.hi <= 0.03 + 1e-12 && a.interval.lo <= a.delta && a.delta <= a.interval.hi);
  assert.equal(metric(run.result.metrics, 'valid_pixels').verdict, 'reported');
  assert.match(run.markdown, /95% CI/);
  const loose = await compare(d, b, c, { tolerance: ['abs_rel=0.011'] });
  assert.equal(loose.result.passed, true);
});

test('per-row: missing and new rows fail unless allowed', async () => {
  const d = dir();
  const b = csv(d, 'b.csv', `${ROWS}a,0.1,0.9,1\nb,0.2,0.8,1\nc,0.3,0.7,1\n`);
  const c = csv(d, 'c.csv', `${ROWS}a,0.1,0.9,1\nb,0.2,0.8,1\nz,0.5,0.5,1\n`);
  const run = await compare(d, b, c);
  assert.deepEqual([run.result.missingRows, run.result.newRows], [['c'], ['z']]);
  assert.equal(run.result.passed, false);
  assert.equal(run.result.metrics.every((m) => m.verdict !== 'REGRESSED'), true);
  assert.equal((await compare(d, b, c, { allowMissingRows: true })).result.passed, false);
  assert.equal((await compare(d, b, c, { allowNewRows: true })).result.passed, false);
  assert.equal((await compare(d, b, c, { allowNewRows: true, allowMissingRows: true })).result.passed, true);
});

test('per-row NaN cells (--allow-nonfinite): the row is left out of that metric and counted', async () => {
  const d = dir();
  const b = csv(d, 'b.csv', `${ROWS}a,0.1,0.9,1\nb,nan,0.8,1\nc,0.3,0.7,1\n`);
  const c = csv(d, 'c.csv', `${ROWS}a,0.1,0.9,1\nb,0.2,0.8,1\nc,0.3,-inf,1\n`);
  const run = await compare(d, b, c, { allowNonfinite: true });
  const a = metric(run.result.metrics, 'abs_rel');
  const d1 = metric(run.result.metrics, 'd1');
  assert.deepEqual([a.rows, a.nanRows, d1.rows, d1.nanRows], [2, 1, 2, 1]);
  assert.equal(run.result.passed, true);
  assert.match(run.markdown, /abs_rel: 1 row\(s\) with NaN in baseline or candidate left out/);
  // Every row NaN in the candidate only: nothing comparable, and that is a regression.
  const allNaN = await compare(d, csv(d, 'b2.csv', `${ROWS}a,0.1,0.9,1\n`), csv(d, 'c2.csv', `${ROWS}a,inf,0.9,1\n`), { allowNonfinite: true });
  assert.equal(metric(allNaN.result.metrics, 'abs_rel').verdict, 'REGRESSED');
});

test('gate significant: per-image noise passes, a real shift fails under both gates', async () => {
  const d = dir();
  const names = Array.from({ length: 60 }, (_, i) => `img${i}`);
  const base = names.map((n, i) => `${n},${(0.1 + 0.001 * (i % 7)).toFixed(4)},0.9,1`);
  // Zero-mean per-image noise of +-0.004 with a small positive mean (0.0002): mean gate at tolerance 0 fails.
  const noisy = names.map((n, i) => `${n},${(0.1 + 0.001 * (i % 7) + (i % 2 ? 0.0042 : -0.0038)).toFixed(4)},0.9,1`);
  const shifted = names.map((n, i) => `${n},${(0.1 + 0.001 * (i % 7) + 0.01 + (i % 2 ? 0.004 : -0.004)).toFixed(4)},0.9,1`);
  const b = csv(d, 'b.csv', `${ROWS}${base.join('\n')}\n`);
  const n = csv(d, 'n.csv', `${ROWS}${noisy.join('\n')}\n`);
  const s = csv(d, 's.csv', `${ROWS}${shifted.join('\n')}\n`);
  assert.equal((await compare(d, b, n, { gate: 'mean', defaultTolerance: '0' })).result.passed, false);
  const sig = await compare(d, b, n, { gate: 'significant', defaultTolerance: '0' });
  assert.equal(sig.result.passed, true);
  assert.equal(metric(sig.result.metrics, 'abs_rel').verdict, 'within tolerance');
  assert.equal((await compare(d, b, s, { gate: 'mean' })).result.passed, false);
  assert.equal((await compare(d, b, s, { gate: 'significant' })).result.passed, false);
  assert.equal((await compare(d, b, b, { gate: 'significant', defaultTolerance: '0' })).result.passed, true);
});

test('protocol sidecars that differ give warnings; --strict-protocol is an error', async () => {
  const d = dir();
  const meta = { dataset: 'kitti', crop: 'garg', min_depth: 0.001, max_depth: 80, align: 'none', align_scope: 'frame', count: 100 };
  const b = csv(d, 'b.csv', BASE, meta);
  const c = csv(d, 'c.csv', BASE, { ...meta, crop: 'eigen', count: 97 });
  const run = await compare(d, b, c);
  assert.deepEqual(run.protocol.map((p) => [p.field, p.baseline, p.candidate]), [['crop', 'garg', 'eigen'], ['count', '100', '97']]);
  assert.equal(run.result.passed, true);
  const md = path.join(d, 'out.md');
  await assert.rejects(compare(d, b, c, { strictProtocol: true, markdown: md }), (e: unknown) => e instanceof DepthkitError && e.exitCode === 2 && /crop = eigen vs garg/.test(e.message));
  assert.ok(!existsSync(md));
  assert.equal((await compare(d, b, csv(d, 'same.csv', BASE, meta), { strictProtocol: true })).protocol.length, 0);
});

test('config: tolerances and gate from depthkit.config.json; flags override; package.json key', async () => {
  const d = dir();
  const b = csv(d, 'b.csv', BASE);
  const c = csv(d, 'c.csv', `${SUMMARY}100,0.102,2.6,0.9\n`);
  writeFileSync(path.join(d, 'depthkit.config.json'), JSON.stringify({ tolerances: { abs_rel: 0.005 }, gate: { metrics: ['abs_rel', 'd1'] }, baselines: { main: b } }));
  const run = await compare(d, 'main', c);
  assert.equal(run.config, 'depthkit.config.json');
  assert.equal(run.result.passed, true);
  assert.equal(metric(run.result.metrics, 'rmse').verdict, 'reported');
  assert.equal((await compare(d, b, c, { tolerance: ['abs_rel=0.001'] })).result.passed, false);
  const p = dir();
  writeFileSync(path.join(p, 'package.json'), JSON.stringify({ name: 'x', depthkit: { defaultTolerance: '10%' } }));
  const fromPkg = await compare(p, b, c);
  assert.equal(fromPkg.config, 'package.json#depthkit');
  assert.equal(fromPkg.result.passed, true);
});

test('bad input and bad config are exit-2 errors naming the file, and nothing is written', async () => {
  const d = dir();
  const b = csv(d, 'b.csv', BASE);
  const md = path.join(d, 'o', 'c.md');
  const junit = path.join(d, 'o', 'j.xml');
  const cases: [() => Promise<unknown>, RegExp][] = [
    [() => compare(d, b, csv(d, 'nocol.csv', 'count,abs_rel,d1\n100,0.1,0.9\n'), { markdown: md, junit }), /nocol\.csv: missing metric column "rmse"/],
    [() => compare(d, b, csv(d, 'text.csv', `${SUMMARY}100,oops,2.5,0.9\n`), { markdown: md, junit }), /text\.csv: row 2, column "abs_rel": "oops" is not a number/],
    [() => compare(d, b, csv(d, 'empty.csv', ''), { markdown: md, junit }), /empty\.csv: empty file/],
    [() => compare(d, b, csv(d, 'hdr.csv', SUMMARY), { markdown: md, junit }), /hdr\.csv: has no data rows/],
    [() => compare(d, b, b, { markdown: md, metrics: ['abs_rel', 'silog'] }), /b\.csv: missing metric column "silog"/],
    [() => compare(d, b, b, { markdown: md, config: csv(d, 'bad.json', '{"tolerances":{"abs_rell":0.1}}') }), /bad\.json: tolerances\.abs_rell: unknown metric/],
    [() => compare(d, b, b, { markdown: md, config: csv(d, 'bad2.json', '{"gateMode":"median"}') }), /bad2\.json: gateMode: /],
    [() => compare(d, b, b, { tolerance: ['abs_rel=lots'] }), /--tolerance: "abs_rel=lots"/],
    [() => compare(d, b, csv(d, 'two.csv', `${SUMMARY}1,0.1,1,0.9\n2,0.1,1,0.9\n`)), /two\.csv: has 2 rows and no key column/],
  ];
  for (const [fn, re] of cases) {
    await assert.rejects(fn(), (e: unknown) => e instanceof DepthkitError && e.exitCode === 2 && re.test(e.message) && !e.message.includes('\n'), String(re));
  }
  assert.ok(!existsSync(md) && !existsSync(junit));
});

test('outputs: Markdown header and link, JUnit counts, step summary appended', async () => {
  const d = dir();
  const md = path.join(d, 'out', 'compare.md');
  const junit = path.join(d, 'out', 'junit.xml');
  const summary = csv(d, 'step.md', '# earlier step\n');
  const b = csv(d, 'b.csv', `${ROWS}a,0.1,0.9,1\nb,0.2,0.8,1\n`);
  const c = csv(d, 'c.csv', `${ROWS}a,0.15,0.9,1\nz,0.2,0.8,1\n`);
  const run = await compare(d, b, c, { markdown: md, junit, reportLink: 'https://ci.example/run/1', stepSummary: summary });
  assert.deepEqual(run.written, [md, junit, summary]);
  const text = readFileSync(md, 'utf8');
  assert.match(text.split('\n')[0], /^### depthkit compare: FAIL \(\[report\]\(https:\/\/ci\.example\/run\/1\)\)$/);
  assert.match(text, /\| abs_rel \| 0\.1 \| 0\.15 \| \+0\.05 \| \[\+0\.05, \+0\.05\] \| 1% \| \*\*REGRESSED\*\* \| 1 \|/);
  assert.equal(readFileSync(summary, 'utf8'), `# earlier step\n${text}\n`);
  const xml = readFileSync(junit, 'utf8');
  const suite = /<testsuite [^>]*tests="(\d+)" failures="(\d+)"/.exec(xml);
  const testcases = xml.match(/<testcase /g) ?? [];
  const failures = xml.match(/<failure /g) ?? [];
  assert.ok(suite);
  assert.deepEqual([Number(suite[1]), Number(suite[2])], [testcases.length, failures.length]);
  // abs_rel, d1 gated + missing-rows + new-rows cases; abs_rel, missing (b) and new (z) fail.
  assert.deepEqual([testcases.length, failures.length], [4, 3]);
  assert.match(xml, /<failure type="regression" message="abs_rel regressed: baseline=0\.1 candidate=0\.15 delta=\+0\.05 tolerance=1%/);
  const outer = /<testsuites [^>]*tests="(\d+)" failures="(\d+)"/.exec(xml);
  assert.deepEqual([Number(outer?.[1]), Number(outer?.[2])], [4, 3]);
});

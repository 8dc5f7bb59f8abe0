import { test } from 'node:test';
import assert from 'node:assert/strict';
import { metricDirection } from '../../src/ci/metric-direction.js';
import { compareTables } from '../../src/ci/compare.js';
import { METRIC_NAMES } from '../../src/metrics/accuracy.js';
import { METRICS, metricInfo } from '../../src/metrics/registry.js';
import { GT_COLUMNS, GT_PAIR_COLUMNS, PAIR_COLUMNS } from '../../src/video/frame-row.js';

test('every column eval and video write is in the registry, once, with a direction, unit and meaning', () => {
  const names = METRICS.map((m) => m.name);
  assert.equal(new Set(names).size, names.length, 'no name twice');
  for (const c of [...METRIC_NAMES, ...GT_COLUMNS, ...PAIR_COLUMNS, ...GT_PAIR_COLUMNS, 'smoothness', 'tae', 'count', 'frames']) {
    const m = metricInfo(c);
    assert.ok(m, `${c} registered`);
    assert.ok(m.meaning.length > 10 && typeof m.unit === 'string', c);
  }
});

test('compare takes its directions from the registry, not from name parts', () => {
  for (const m of METRICS) assert.equal(metricDirection(m.name), m.direction, m.name);
  // The former substring rules called any column containing "rtc" or "tae" a metric; unregistered columns are unknown.
  assert.equal(metricDirection('my_taeish_score'), 'unknown');
  assert.equal(metricDirection('ABS_REL'), 'lower', 'case-insensitive');
  // A higher-is-better metric that fell is a regression; the same fall of a lower-is-better one is an improvement.
  const side = (file: string, tcc: string, opw: string) => ({ file, table: { columns: ['tcc', 'opw'], rows: [{ tcc, opw }] } });
  const r = compareTables(side('a.csv', '0.9', '0.2'), side('b.csv', '0.8', '0.1'), {
    tolerances: {}, defaultTolerance: { kind: 'abs', value: 0 }, gate: 'mean', bootstrap: { resamples: 100, confidence: 0.95, seed: 1 }, allowNewRows: false, allowMissingRows: false, allowNonfinite: false,
  });
  const verdict = (name: string) => r.metrics.find((m) => m.metric === name)?.verdict;
  assert.equal(verdict('tcc'), 'REGRESSED');
  assert.equal(verdict('opw'), 'improved');
});

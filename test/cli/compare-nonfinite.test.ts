import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { depthkit, ROOT } from '../helpers/cli.js';

const HEAD = 'name,abs_rel,rmse,d1\n';

function csvs(base: string, cand: string) {
  const d = mkdtempSync(path.join(os.tmpdir(), 'dk-compare-nonfinite-'));
  writeFileSync(path.join(d, 'b.csv'), base);
  writeFileSync(path.join(d, 'c.csv'), cand);
  return { d, b: path.join(d, 'b.csv'), c: path.join(d, 'c.csv') };
}

test('compare refuses inf, -inf and NaN in either file: exit 2, one line naming file, row and column', () => {
  const good = `${HEAD}a,0.1,2.5,0.9\nb,0.2,2.6,0.8\n`;
  for (const value of ['inf', '-inf', 'nan', 'NaN', 'Infinity']) {
    for (const side of ['baseline', 'candidate'] as const) {
      for (const column of ['abs_rel', 'd1']) {
        const bad = good.replace(column === 'abs_rel' ? '0.2,2.6' : '2.6,0.8', column === 'abs_rel' ? `${value},2.6` : `2.6,${value}`);
        const { b, c } = side === 'baseline' ? csvs(bad, good) : csvs(good, bad);
        const r = depthkit(['compare', b, c]);
        assert.equal(r.code, 2, `${value} in ${side} ${column}: ${r.stdout}${r.stderr}`);
        const file = side === 'baseline' ? 'b.csv' : 'c.csv';
        assert.match(r.stderr, new RegExp(`${file}: row 3, column "${column}": non-finite value "${value}"`));
        assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
        assert.doesNotMatch(r.stdout, /PASS/);
      }
    }
  }
  // Also in summary mode (one row, no key), and as one JSON object with --json.
  const { b, c } = csvs('abs_rel,d1\n0.1,0.9\n', 'abs_rel,d1\n0.1,inf\n');
  const json = depthkit(['compare', b, c, '--json']);
  assert.equal(json.code, 2);
  assert.match(JSON.parse(json.stdout).error.message, /c\.csv: row 2, column "d1": non-finite value "inf"/);
});

test('NaN in the same cell of both files is a metric undefined in both runs (TAE without poses): left out, no flag needed', () => {
  const { b, c } = csvs('model,abs_rel,tae\nm,0.1,nan\n', 'model,abs_rel,tae\nm,0.1,nan\n');
  const r = depthkit(['compare', b, c]);
  assert.equal(r.code, 0, `${r.stdout}${r.stderr}`);
  // One-sided NaN is still refused: the candidate lost a number the baseline had.
  const one = csvs('model,abs_rel,tae\nm,0.1,2.5\n', 'model,abs_rel,tae\nm,0.1,nan\n');
  const bad = depthkit(['compare', one.b, one.c]);
  assert.equal(bad.code, 2, bad.stdout);
  assert.match(bad.stderr, /c\.csv: row 2, column "tae": non-finite value "nan"/);
});

test('--allow-nonfinite compares such files: a non-finite cell leaves its row out, one-sided it regresses', () => {
  const { b, c } = csvs(`${HEAD}a,0.1,2.5,0.9\nb,0.2,2.6,0.8\n`, `${HEAD}a,0.1,2.5,0.9\nb,-inf,2.6,0.8\n`);
  const r = depthkit(['compare', b, c, '--allow-nonfinite']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /abs_rel: 1 row\(s\) with NaN/);
  const one = csvs('abs_rel,d1\n0.1,0.9\n', 'abs_rel,d1\n-inf,0.9\n');
  const worse = depthkit(['compare', one.b, one.c, '--allow-nonfinite']);
  assert.equal(worse.code, 1, worse.stdout);
  assert.match(worse.stdout, /abs_rel.*REGRESSED/);
});

test('the README compare example passes on the shipped candidate-ok fixture and fails on candidate-regressed', () => {
  const readmeLine = 'baseline/summary.csv candidate/summary.csv --tolerance abs_rel=0.002,d1=0.005 --markdown cmp.md --junit cmp.xml';
  for (const [fixture, code] of [['candidate-ok', 0], ['candidate-regressed', 1]] as const) {
    const d = mkdtempSync(path.join(os.tmpdir(), 'dk-compare-readme-'));
    cpSync(path.join(ROOT, 'fixtures', 'ci', 'baseline'), path.join(d, 'baseline'), { recursive: true });
    cpSync(path.join(ROOT, 'fixtures', 'ci', fixture), path.join(d, 'candidate'), { recursive: true });
    const r = depthkit(['compare', ...readmeLine.split(' ')], { cwd: d });
    assert.equal(r.code, code, `${fixture}: ${r.stdout}${r.stderr}`);
    assert.match(r.stdout, code === 0 ? /PASS/ : /FAIL/);
  }
});

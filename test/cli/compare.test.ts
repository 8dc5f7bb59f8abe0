import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { depthkit, ROOT } from '../helpers/cli.js';

/** `depthkit <command> <args>` through the one CLI runner; `command` is the command's path (baseline/update). */
const run = (command: string, args: string[], cwd?: string) => depthkit([...command.split('/'), ...args], { cwd });

function files() {
  const d = mkdtempSync(path.join(os.tmpdir(), 'depthkit-cli-'));
  const put = (name: string, text: string, meta?: object) => {
    writeFileSync(path.join(d, name), text);
    if (meta) writeFileSync(path.join(d, `${name}.meta.json`), JSON.stringify(meta));
    return path.join(d, name);
  };
  return { d, put };
}

const HEAD = 'count,abs_rel,rmse,d1\n';

test('exit 0 on pass, 1 on a regression beyond tolerance (with --json still printed)', () => {
  const { d, put } = files();
  const b = put('b.csv', `${HEAD}10,0.100,2.5,0.90\n`);
  const c = put('c.csv', `${HEAD}10,0.102,2.4,0.90\n`);
  const ok = run('compare', [b, c, '--tolerance', 'abs_rel=0.002']);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /abs_rel\s+0\.1\s+0\.102\s+\+0\.002\s+0\.002\s+within tolerance/);
  assert.match(ok.stdout, /PASS/);
  const junit = path.join(d, 'j.xml');
  const bad = run('compare', [b, c, '--tolerance', 'abs_rel=1%', '--json', '--junit', junit]);
  assert.equal(bad.code, 1, bad.stderr);
  const json = JSON.parse(bad.stdout);
  assert.equal(json.result.passed, false);
  assert.equal(json.result.metrics[0].verdict, 'REGRESSED');
  assert.match(readFileSync(junit, 'utf8'), /failures="1"/);
});

test('exit 2 with a one-line error and no output files on unusable input', () => {
  const { d, put } = files();
  const b = put('b.csv', `${HEAD}10,0.1,2.5,0.9\n`);
  const md = path.join(d, 'o.md');
  const junit = path.join(d, 'o.xml');
  // One bad CSV and one bad config through the CLI; the other unusable inputs are covered in-process (compare.test.ts).
  const cases: [string[], RegExp][] = [
    [[b, put('n.csv', `${HEAD}10,0.1,fast,0.9\n`)], /n\.csv: row 2, column "rmse": "fast" is not a number/],
    [[b, b, '--config', put('cfg.json', '{"gate":{"metrics":["abs_rel","d4"]}}')], /cfg\.json: gate\.metrics\.1: unknown metric/],
  ];
  for (const [args, re] of cases) {
    const r = run('compare', [...args, '--markdown', md, '--junit', junit]);
    assert.equal(r.code, 2, `${re}: ${r.stderr}`);
    assert.match(r.stderr, re);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.ok(!existsSync(md) && !existsSync(junit));
  }
});

test('protocol mismatch warns (exit 0) and is exit 2 with --strict-protocol', () => {
  const { put } = files();
  const b = put('b.csv', `${HEAD}10,0.1,2.5,0.9\n`, { dataset: 'nyu', crop: 'eigen', max_depth: 10 });
  const c = put('c.csv', `${HEAD}10,0.1,2.5,0.9\n`, { dataset: 'nyu', crop: 'eigen', max_depth: 80 });
  const warn = run('compare', [b, c]);
  assert.equal(warn.code, 0, warn.stderr);
  assert.match(warn.stderr, /protocol differs: max_depth = 10 \(baseline\) vs 80 \(candidate\)/);
  const strict = run('compare', [b, c, '--strict-protocol']);
  assert.equal(strict.code, 2);
  assert.match(strict.stderr, /c\.csv: protocol differs from .*b\.csv: max_depth = 80 vs 10 \(--strict-protocol\)/);
});

test('per-row key detection from the command line: a missing row fails', () => {
  const { put } = files();
  const head = 'video,abs_rel,d1\n';
  const b = put('b.csv', `${head}v1,0.1,0.9\nv2,0.2,0.8\n`);
  const c = put('c.csv', `${head}v1,0.1,0.9\nv3,0.2,0.8\n`);
  const fail = run('compare', [b, c]);
  assert.equal(fail.code, 1);
  assert.match(fail.stdout, /1 row\(s\) missing from the candidate \(fails; --allow-missing-rows to accept\): v2/);
});

test('baseline update copies the candidate and its sidecar and records provenance', () => {
  const { d, put } = files();
  const meta = { dataset: 'kitti', crop: 'garg', count: 10 };
  const c = put('c.csv', `${HEAD}10,0.09,2.4,0.91\n`, meta);
  const b = path.join(d, 'baseline', 'summary.csv');
  const r = run('baseline/update', [c, b, '--json']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(readFileSync(b, 'utf8'), readFileSync(c, 'utf8'));
  assert.deepEqual(JSON.parse(readFileSync(`${b}.meta.json`, 'utf8')), meta);
  const record = JSON.parse(readFileSync(`${b}.baseline.json`, 'utf8'));
  const version = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version;
  assert.deepEqual({ ...record, date: undefined }, { depthkit_version: version, date: undefined, source: '../c.csv', rows: 1, protocol: meta });
  assert.match(record.date, /^\d{4}-\d\d-\d\dT/);
  const bad = run('baseline/update', [put('bad.csv', ''), b]);
  assert.equal(bad.code, 2);
  assert.equal(readFileSync(b, 'utf8'), readFileSync(c, 'utf8'));
});

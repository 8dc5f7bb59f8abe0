import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { depthkit, ROOT } from '../helpers/cli.js';
import { readCsv, writeCsv } from '../../src/io/csv.js';
import { shardFromEnv } from '../../src/eval/shard-auto.js';

/*
 * Video benchmarks split over processes: `--shard i/n` (and `--shard auto` from a scheduler's variables) run in
 * parallel, `depthkit merge` rebuilds the single run byte for byte; `--resume` keeps the sequences already done.
 * Fixtures: the reference layout written by test/reference/video_benchmarks_ref.py.
 */
const PY = '/usr/bin/python3';
const SCRIPT = path.join(import.meta.dirname, '..', 'reference', 'video_benchmarks_ref.py');
const haveRef = existsSync(PY) && spawnSync(PY, ['-c', 'import numpy, cv2']).status === 0;
const skip = !haveRef && 'needs /usr/bin/python3 with numpy and cv2';
const SETS = 'sintel,scannet,kitti-video,nyuv2-video,scannet-tae';

let dir = '';
const args = (out: string, ...more: string[]) => ['eval', '--dataset', SETS, '--allow-missing', '--data-path', path.join(dir, 'bench'), '--pred', path.join(dir, 'pred'), '--out', out, ...more];

before(async () => {
  if (!haveRef) return;
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dk-vshard-'));
  assert.equal(spawnSync(PY, [SCRIPT, 'generate', dir]).status, 0);
});
after(async () => {
  if (dir) await fs.rm(dir, { recursive: true, force: true });
});

function run(argv: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', `${ROOT}bin/dev.js`, ...argv], { cwd: ROOT, env: { ...process.env, ...env } });
    let stderr = '';
    child.stderr.on('data', (b) => (stderr += b));
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

test('--shard auto reads Slurm, Kubernetes Indexed Jobs, GitLab and a CI matrix', () => {
  assert.deepEqual(shardFromEnv({ SLURM_ARRAY_TASK_ID: '3', SLURM_ARRAY_TASK_MIN: '1', SLURM_ARRAY_TASK_COUNT: '4' }), { index: 3, count: 4 });
  assert.deepEqual(shardFromEnv({ SLURM_ARRAY_TASK_ID: '0', SLURM_ARRAY_TASK_COUNT: '2' }), { index: 1, count: 2 });
  assert.deepEqual(shardFromEnv({ JOB_COMPLETION_INDEX: '1' }, 3), { index: 2, count: 3 });
  assert.deepEqual(shardFromEnv({ JOB_COMPLETION_INDEX: '1', DEPTHKIT_SHARD_COUNT: '2' }), { index: 2, count: 2 });
  assert.deepEqual(shardFromEnv({ CI_NODE_INDEX: '2', CI_NODE_TOTAL: '2' }), { index: 2, count: 2 });
  assert.deepEqual(shardFromEnv({ DEPTHKIT_SHARD_INDEX: '0', DEPTHKIT_SHARD_COUNT: '5' }), { index: 1, count: 5 });
  assert.throws(() => shardFromEnv({ JOB_COMPLETION_INDEX: '1' }), /number of shards is unknown/);
  assert.throws(() => shardFromEnv({}), /no scheduler index/);
  assert.throws(() => shardFromEnv({ DEPTHKIT_SHARD_INDEX: '4', DEPTHKIT_SHARD_COUNT: '4' }), /--shard must be i\/n/);
});

test('three shards in parallel processes, merged, equal the single run', { skip }, async () => {
  const single = path.join(dir, 'single');
  const env = (i: number) => ({ JOB_COMPLETION_INDEX: String(i) });
  const [one, ...parts] = await Promise.all([
    run(args(single)),
    run(args(path.join(dir, 's1'), '--shard', '1/3')),
    run(args(path.join(dir, 's2'), '--shard', 'auto', '--shard-count', '3'), env(1)),
    run(args(path.join(dir, 's3'), '--shard', 'auto'), { SLURM_ARRAY_TASK_ID: '3', SLURM_ARRAY_TASK_MIN: '1', SLURM_ARRAY_TASK_COUNT: '3' }),
  ]);
  for (const r of [one, ...parts]) assert.equal(r.code, 0, r.stderr);
  const counts = await Promise.all(['s1', 's2', 's3'].map(async (s) => (await readCsv(path.join(dir, s, 'sequences.csv'))).rows.length));
  assert.deepEqual(counts, [2, 3, 3]);
  const m = depthkit(['merge', path.join(dir, 's3'), path.join(dir, 's1'), path.join(dir, 's2'), '--out', path.join(dir, 'merged')]);
  assert.equal(m.code, 0, m.stderr);
  for (const f of ['sequences.csv', 'summary.csv', 'table.csv', 'table.md', 'sequences.csv.meta.json']) {
    assert.equal(await fs.readFile(path.join(dir, 'merged', f), 'utf8'), await fs.readFile(path.join(single, f), 'utf8'), f);
  }
  const missing = depthkit(['merge', path.join(dir, 's1'), path.join(dir, 's2'), '--out', path.join(dir, 'm2')]);
  assert.match(missing.stderr, /3\/3 missing/);
});

test('--resume keeps the finished sequences of a partial file and evaluates the rest', { skip }, async () => {
  const out = path.join(dir, 'resume');
  assert.equal(depthkit(args(out)).code, 0);
  const full = await readCsv(path.join(out, 'sequences.csv'));
  // An interrupted run: three sequences saved, the first with a value no evaluation gives.
  const kept = full.rows.slice(0, 3).map((r, i) => (i === 0 ? { ...r, abs_rel: '123' } : r));
  await writeCsv(path.join(out, 'sequences.partial.csv'), kept, full.columns, { ...full.meta!, count: null });
  const r = depthkit(args(out, '--resume'));
  assert.equal(r.code, 0, r.stderr);
  const again = await readCsv(path.join(out, 'sequences.csv'));
  assert.equal(again.rows[0].abs_rel, '123');
  assert.deepEqual(again.rows.slice(1), full.rows.slice(1));
  assert.ok(!existsSync(path.join(out, 'sequences.partial.csv')));
  await writeCsv(path.join(out, 'sequences.partial.csv'), kept, full.columns, { ...full.meta!, window: '500' });
  assert.match(depthkit(args(out, '--resume')).stderr, /written under other settings \(window/);
});

test('Ctrl-C between sequences: exit 130, the finished sequences saved, --resume completes to the single run', { skip }, async () => {
  const out = path.join(dir, 'sigint');
  const child = spawn(process.execPath, ['--import', 'tsx', `${ROOT}bin/dev.js`, ...args(out)], { cwd: ROOT });
  let stderr = '';
  let sent = false;
  child.stderr.on('data', (b) => {
    stderr += b;
    if (!sent && /\(2\/8\)/.test(stderr)) {
      sent = true;
      child.kill('SIGINT');
    }
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.equal(code, 130, stderr);
  assert.match(stderr, /SIGINT: stopped after \d of 8 sequence\(s\).*--resume/);
  const saved = await readCsv(path.join(out, 'sequences.partial.csv'));
  assert.ok(saved.rows.length >= 2 && saved.rows.length < 8, `${saved.rows.length} saved`);
  assert.ok(!existsSync(path.join(out, 'sequences.csv')));
  const r = depthkit(args(out, '--resume'));
  assert.equal(r.code, 0, r.stderr);
  assert.equal(await fs.readFile(path.join(out, 'sequences.csv'), 'utf8'), await fs.readFile(path.join(dir, 'single', 'sequences.csv'), 'utf8'));
});

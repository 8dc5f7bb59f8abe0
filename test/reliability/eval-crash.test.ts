import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import sharp from 'sharp';
import { depthkit, startCli, type RunningCli } from '../helpers/cli.js';
import { listOutputs } from '../helpers/crash.js';
import { writeKittiPairs } from '../bench/fixtures.js';
import { writeTree } from '../helpers/dataset-fixtures.js';
import { readCsv } from '../../src/io/csv.js';
import { loadSplit } from '../../src/data/split.js';
import { PAPER_COLUMNS } from '../../src/data/table.js';
import { PER_IMAGE_COLUMNS, SUMMARY_COLUMNS } from '../../src/eval/image-row.js';
import { PARTIAL_FILE } from '../../src/eval/resumable.js';
import { rowsFromCsv } from '../../src/eval/shard.js';
import { mulberry32 } from '../../src/util/random.js';

/**
 * SIGKILL at seeded random moments (issue 12), spread over the phases of one uninterrupted run measured here (see
 * killAt). After each kill every file left must be complete and valid, and the same command rerun with --resume must
 * end with the uninterrupted run's files byte for byte (run.json without its times and command line).
 */
const SEED = 0x12c0ffee;

const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'depthkit-eval-crash-'));

const CSV_COLUMNS: Record<string, readonly string[]> = {
  'per_image.csv': PER_IMAGE_COLUMNS,
  [PARTIAL_FILE]: PER_IMAGE_COLUMNS,
  'summary.csv': SUMMARY_COLUMNS,
  'table.csv': PAPER_COLUMNS.kitti,
};

/** Every file in `out` is one depthkit writes, complete and readable; returns the files. */
async function assertValid(out: string): Promise<string[]> {
  const { files } = listOutputs(out);
  for (const f of files) {
    const file = path.join(out, f);
    if (f.endsWith('.png')) {
      const { info } = await sharp(file).raw().toBuffer({ resolveWithObject: true });
      assert.ok(info.width > 0 && info.height > 0, f);
    } else if (f.endsWith('.json')) {
      const json = JSON.parse(readFileSync(file, 'utf8'));
      if (f === 'run.json') assert.equal(json.kind, 'eval');
    } else {
      assert.ok(CSV_COLUMNS[f], `unexpected file ${f}`);
      // readCsv also parses the sidecar when there is one.
      const table = await readCsv(file);
      assert.deepEqual(table.columns, CSV_COLUMNS[f], f);
      if (CSV_COLUMNS[f] === PER_IMAGE_COLUMNS) rowsFromCsv(table, file);
      else assert.equal(table.rows.length, 1, f);
    }
  }
  return files;
}

/** The result files of `out` equal the uninterrupted run's: same names, same bytes; run.json minus wall-clock fields. */
function assertSameRun(out: string, base: string) {
  const want = listOutputs(base).files;
  assert.deepEqual(listOutputs(out).files, want);
  for (const f of want) {
    const [a, b] = [readFileSync(path.join(out, f)), readFileSync(path.join(base, f))];
    if (f !== 'run.json') {
      assert.ok(a.equals(b), `${f} differs from the uninterrupted run`);
      continue;
    }
    // started/finished are times; command is the argv, which names another --out and adds --resume.
    const strip = (buf: Buffer) => {
      const { started: _s, finished: _f, command: _c, ...rest } = JSON.parse(buf.toString('utf8'));
      return rest;
    };
    assert.deepEqual(strip(a), strip(b));
  }
}

type Landing = 'before any output' | 'mid-run' | 'during the final writes' | 'after completion';

function landing(code: number | null, files: string[]): Landing {
  if (code === 0) return 'after completion';
  if (files.length === 0) return 'before any output';
  return files.includes('per_image.csv') ? 'during the final writes' : 'mid-run';
}

interface Timeline {
  /** The --verbose lines from "evaluating ..." on, with their time (ms from spawn), and the exit time. */
  events: { at: number; line: string }[];
  end: number;
}

/** Calls `onLine` for every stderr line of the run as it arrives. */
function onLines(run: RunningCli, onLine: (line: string) => void) {
  let buf = '';
  run.child.stderr!.on('data', (s: string) => {
    buf += s;
    for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
      onLine(buf.slice(0, i));
      buf = buf.slice(i + 1);
    }
  });
}

/** One uninterrupted run with --verbose, timed: the window the kills are spread over. */
async function timedRun(args: string[]): Promise<Timeline> {
  const t0 = performance.now();
  const run = startCli([...args, '--verbose']);
  const events: Timeline['events'] = [];
  onLines(run, (line) => events.push({ at: performance.now() - t0, line }));
  const r = await run.done;
  assert.equal(r.code, 0, r.stderr);
  const first = events.findIndex((e) => e.line.startsWith('evaluating '));
  assert.ok(first >= 0, r.stderr);
  return { events: events.slice(first), end: performance.now() - t0 };
}

/**
 * Starts the run and SIGKILLs its process group at the trial's seeded moment. The uninterrupted run's timeline is
 * cut into phases: start-up (spawn to "evaluating"), then one phase between each two --verbose lines (worker
 * start, each chunk up to its partial-file rewrite, the CSVs and run.json, the strips and plots) up to the exit.
 * `u` picks a phase, evenly (so that short phases such as a chunk between two rewrites are hit as often as start-up),
 * and a moment within it. The kill waits for the phase's opening line in this run, then sleeps the rest, so that a
 * slow start under load does not shift every kill towards the beginning.
 */
async function killAt(args: string[], u: number, t: Timeline) {
  const run = startCli([...args, '--verbose']);
  const seen = new Set<string>();
  const waiting = new Map<string, () => void>();
  onLines(run, (line) => {
    seen.add(line);
    waiting.get(line)?.();
  });
  const bounds = [0, ...t.events.map((e) => e.at), t.end];
  const phases = bounds.length - 1;
  const phase = Math.min(Math.floor(u * phases), phases - 1);
  const within = u * phases - phase;
  const opening = phase > 0 ? t.events[phase - 1].line : undefined;
  const reached = opening === undefined || seen.has(opening) || (await new Promise<boolean>((resolve) => {
    waiting.set(opening, () => resolve(true));
    void run.done.then(() => resolve(false));
  }));
  if (reached) await sleep(within * (bounds[phase + 1] - bounds[phase]));
  run.kill('SIGKILL');
  const r = await run.done;
  run.kill('SIGKILL');
  return r;
}

interface Harness {
  trials: number;
  seed: number;
  args: (out: string) => string[];
}

async function harness(t: TestContext, d: string, h: Harness) {
  const base = path.join(d, 'base');
  const timeline = await timedRun(h.args(base));
  await assertValid(base);
  const rand = mulberry32(h.seed);
  const counts: Record<Landing, number> = { 'before any output': 0, 'mid-run': 0, 'during the final writes': 0, 'after completion': 0 };
  let temps = 0;
  let tempsAfter = 0;
  for (let i = 0; i < h.trials; i++) {
    const out = path.join(d, `trial${i}`);
    const r = await killAt(h.args(out), rand(), timeline);
    const files = await assertValid(out);
    counts[landing(r.code, files)]++;
    temps += listOutputs(out).temps.length;
    const resumed = depthkit([...h.args(out), '--resume']);
    assert.equal(resumed.code, 0, resumed.stderr);
    assertSameRun(out, base);
    tempsAfter += listOutputs(out).temps.length;
  }
  t.diagnostic(`uninterrupted run: ${timeline.events.map((e) => `${e.line.split(' ').slice(0, 3).join(' ')} @${e.at.toFixed(0)}`).join(', ')}, exit @${timeline.end.toFixed(0)} ms`);
  t.diagnostic(`kills: ${Object.entries(counts).map(([k, n]) => `${n} ${k}`).join(', ')}; ${temps} stray temp file(s) left by the kills, ${tempsAfter} after the resumes`);
  assert.equal(Object.values(counts).reduce((a, b) => a + b, 0), h.trials);
}

test('eval --pred --gt: 20 SIGKILLs at seeded moments leave only valid files, and --resume ends byte-identical', async (t) => {
  const d = tmp();
  const { pred, gt } = await writeKittiPairs(d, 40, 160, 64);
  await harness(t, d, {
    trials: 20,
    seed: SEED,
    args: (out) => ['eval', '--pred', pred, '--gt', gt, '--dataset', 'kitti', '--out', out],
  });
});

test('eval --dataset kitti --data-path: 5 SIGKILLs at seeded moments, then the CLI with --resume, byte-identical', async (t) => {
  const d = tmp();
  const dirs = { dataRoot: path.join(d, 'raw'), gtRoot: path.join(d, 'gt'), predDir: path.join(d, 'pred') };
  const n = 40;
  await writeTree((await loadSplit('kitti', 'eigen')).entries.slice(0, n), dirs, { width: 96, height: 40, scale: 256, density: 0.4, maxDepth: 80 });
  const args = (out: string) => [
    'eval', '--dataset', 'kitti', '--data-path', dirs.dataRoot, '--gt-path', dirs.gtRoot, '--pred', dirs.predDir, '--limit', String(n), '--out', out,
  ];
  await harness(t, d, { trials: 5, seed: SEED + 1, args });
});

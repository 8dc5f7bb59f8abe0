import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, constants, existsSync, mkdtempSync, openSync, readFileSync, rmSync, symlinkSync, writeFileSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { depthkit, startCli, type RunningCli } from '../helpers/cli.js';
import { listOutputs } from '../helpers/crash.js';
import { writeKittiPairs } from '../bench/fixtures.js';
import { writeTree } from '../helpers/dataset-fixtures.js';
import { readCsv } from '../../src/io/csv.js';
import { loadSplit } from '../../src/data/split.js';
import { PER_IMAGE_COLUMNS } from '../../src/eval/image-row.js';
import { PARTIAL_FILE } from '../../src/eval/resumable.js';

/**
 * Signals land at a known point: image GATE's prediction is a symlink to a FIFO, so with --concurrency 1 the run
 * holds exactly that image in flight (blocked reading it) until the test writes the file's bytes into the FIFO.
 * The first 16 images are saved before (the partial file is rewritten every 16), and the run logs that first.
 */
const GATE = 16;
const N = 24;

const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'depthkit-eval-int-'));

interface Gate {
  fifo: string;
  bytes: Buffer;
  /** Puts the real file back (a resumed run never reads it, but the folder should be ordinary again). */
  restore(): void;
}

function gate(file: string): Gate {
  const bytes = readFileSync(file);
  const fifo = path.join(path.dirname(file), '.gate');
  assert.equal(spawnSync('mkfifo', [fifo]).status, 0, 'mkfifo');
  rmSync(file);
  symlinkSync(path.basename(fifo), file);
  return {
    fifo,
    bytes,
    restore() {
      rmSync(file);
      writeFileSync(file, bytes);
      rmSync(fifo);
    },
  };
}

/** Feeds the gated file once the run has the FIFO open for reading; false when the process ended first. */
async function release(g: Gate, run: RunningCli): Promise<boolean> {
  let exited = false;
  void run.done.then(() => (exited = true));
  let fd: number | undefined;
  while (fd === undefined) {
    try {
      fd = openSync(g.fifo, constants.O_WRONLY | constants.O_NONBLOCK);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENXIO') throw err;
      if (exited) return false;
      await sleep(20);
    }
  }
  try {
    for (let off = 0; off < g.bytes.length;) {
      try {
        off += writeSync(fd, g.bytes, off);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'EPIPE') return false;
        if (code !== 'EAGAIN') throw err;
        await sleep(5);
      }
    }
  } finally {
    closeSync(fd);
  }
  return true;
}

/** Resolves once the run's stderr matches `re` (rejects if it exits first). */
function waitFor(run: RunningCli, re: RegExp): Promise<void> {
  return new Promise((resolve, reject) => {
    let text = '';
    const onData = (s: string) => {
      text += s;
      if (!re.test(text)) return;
      run.child.stderr!.off('data', onData);
      resolve();
    };
    run.child.stderr!.on('data', onData);
    void run.done.then((r) => reject(new Error(`exited (${r.code ?? r.signal}) before printing ${re}: ${r.stderr}`)));
  });
}

const errorLine = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('depthkit:')).at(-1) ?? '';
const read = (dir: string, f: string) => readFileSync(path.join(dir, f), 'utf8');

/** Starts the run, signals it while image GATE is in flight (twice for `double`), then lets that image finish. */
async function interrupt(args: string[], g: Gate, signal: NodeJS.Signals, double = false) {
  const run = startCli([...args, '--concurrency', '1', '--verbose']);
  await waitFor(run, new RegExp(`saved ${GATE} of ${N} image`));
  run.kill(signal);
  await waitFor(run, /finishing the images in flight/);
  if (double) {
    run.kill(signal);
    await waitFor(run, /again: exiting now/);
  }
  // After a second signal the process has exited its JavaScript; its thread blocked on the FIFO still needs the bytes.
  assert.ok(await release(g, run), 'the run read the gated image');
  return run.done;
}

/** The partial file parses with the per-image columns and holds the first `n` images, in order. */
async function assertPartial(out: string, names: string[], n: number) {
  const partial = await readCsv(path.join(out, PARTIAL_FILE));
  assert.deepEqual(partial.columns, PER_IMAGE_COLUMNS);
  assert.deepEqual(partial.rows.map((r) => r.name), names.slice(0, n));
  assert.equal(typeof partial.meta?.crop, 'string');
}

async function folderFixture() {
  const d = tmp();
  const { pred, gt } = await writeKittiPairs(d, N, 128, 48);
  const names = Array.from({ length: N }, (_, i) => String(i).padStart(6, '0'));
  const args = (out: string) => ['eval', '--pred', pred, '--gt', gt, '--dataset', 'kitti', '--no-plots', '--out', out];
  const base = path.join(d, 'base');
  assert.equal(depthkit(args(base)).code, 0);
  return { d, pred, names, args, base };
}

test('SIGINT (folders): the image in flight finishes, exit 130 naming --resume; --resume ends byte-identical', async () => {
  const { d, pred, names, args, base } = await folderFixture();
  const out = path.join(d, 'out');
  const g = gate(path.join(pred, `${names[GATE]}.npy`));
  const r = await interrupt(args(out), g, 'SIGINT');
  g.restore();
  assert.equal(r.code, 130, r.stderr);
  assert.match(errorLine(r.stderr), new RegExp(`^depthkit: SIGINT: stopped after ${GATE + 1} of ${N} image\\(s\\) \\(saved in .*${PARTIAL_FILE}\\); run the same command with --resume to continue$`));
  await assertPartial(out, names, GATE + 1);
  assert.deepEqual(listOutputs(out), { files: [PARTIAL_FILE, `${PARTIAL_FILE}.meta.json`], temps: [] });

  const resumed = depthkit([...args(out), '--resume']);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.match(resumed.stderr, new RegExp(`resumed: ${GATE + 1} image\\(s\\)`));
  for (const f of ['per_image.csv', 'summary.csv', 'per_image.csv.meta.json', 'summary.csv.meta.json']) assert.equal(read(out, f), read(base, f), f);
  assert.ok(!existsSync(path.join(out, PARTIAL_FILE)));
});

test('a second SIGINT exits at once (130): nothing more is saved and every file left is complete', async () => {
  const { d, pred, names, args } = await folderFixture();
  const out = path.join(d, 'out');
  const g = gate(path.join(pred, `${names[GATE]}.npy`));
  const r = await interrupt(args(out), g, 'SIGINT', true);
  g.restore();
  assert.equal(r.code, 130, r.stderr);
  assert.match(r.stderr, /SIGINT again: exiting now/);
  // The gated image was read, but no JavaScript ran after the second signal: only the first 16 are saved.
  await assertPartial(out, names, GATE);
  assert.deepEqual(listOutputs(out).files, [PARTIAL_FILE, `${PARTIAL_FILE}.meta.json`]);
});

test('SIGTERM (--dataset kitti --data-path): exit 143, partial file valid, --resume ends byte-identical', async () => {
  const d = tmp();
  const dirs = { dataRoot: path.join(d, 'raw'), gtRoot: path.join(d, 'gt'), predDir: path.join(d, 'pred') };
  const entries = (await loadSplit('kitti', 'eigen')).entries.slice(0, N);
  await writeTree(entries, dirs, { width: 96, height: 40, scale: 256, density: 0.4, maxDepth: 80 });
  const names = entries.map((e) => e.name);
  const args = (out: string) => [
    'eval', '--dataset', 'kitti', '--data-path', dirs.dataRoot, '--gt-path', dirs.gtRoot, '--pred', dirs.predDir, '--limit', String(N), '--no-plots', '--out', out,
  ];
  const base = path.join(d, 'base');
  assert.equal(depthkit(args(base)).code, 0);

  const out = path.join(d, 'out');
  const g = gate(path.join(dirs.predDir, `${names[GATE]}.npy`));
  const r = await interrupt(args(out), g, 'SIGTERM');
  g.restore();
  assert.equal(r.code, 143, r.stderr);
  assert.match(errorLine(r.stderr), new RegExp(`^depthkit: SIGTERM: stopped after ${GATE + 1} of ${N} image\\(s\\) .*run the same command with --resume to continue$`));
  await assertPartial(out, names, GATE + 1);

  const resumed = depthkit([...args(out), '--resume']);
  assert.equal(resumed.code, 0, resumed.stderr);
  for (const f of ['per_image.csv', 'summary.csv', 'table.csv', 'per_image.csv.meta.json', 'summary.csv.meta.json', 'table.csv.meta.json']) {
    assert.equal(read(out, f), read(base, f), f);
  }
  assert.ok(!existsSync(path.join(out, PARTIAL_FILE)));
});

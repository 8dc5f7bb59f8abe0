import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readCsv } from '../../src/io/csv.js';
import { METRIC_NAMES } from '../../src/metrics/accuracy.js';
import type { ImageRow } from '../../src/eval/image-row.js';
import { evaluateResumable, PARTIAL_FILE } from '../../src/eval/resumable.js';

const N = 3000;
const names = Array.from({ length: N }, (_, i) => `img${String(i).padStart(5, '0')}`);
const index = new Map(names.map((n, i) => [n, i]));
const row = (name: string, i = index.get(name)!): ImageRow =>
  ({ name, ...Object.fromEntries(METRIC_NAMES.map((m, k) => [m, i + k / 10])), valid_pixels: i, resized: 0, align_scale: 1, align_shift: 0 }) as ImageRow;

async function run(file: string, opts: { resume?: boolean; stopAfter?: number } = {}) {
  const lines: string[] = [];
  const controller = new AbortController();
  let seen = 0;
  let error: unknown;
  const out = await evaluateResumable({
    items: names,
    nameOf: (n) => n,
    batchSize: 1,
    concurrency: 2,
    signal: controller.signal,
    evaluate: async (batch) => {
      if (++seen === opts.stopAfter) controller.abort();
      return batch.map((n) => row(n));
    },
    partial: { file, meta: { dataset: 'kitti' }, resume: opts.resume ?? false },
    log: (line) => lines.push(line),
  }).catch((err: unknown) => void (error = err));
  return { out, error, saves: lines.filter((l) => l.startsWith('saved ')).length, seen };
}

test('a long run rewrites its partial file a few times, not every 16 images, and it still holds every row', async () => {
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'depthkit-resumable-')), PARTIAL_FILE);
  const { out, error, saves } = await run(file);
  // Evaluating a row here costs far less than rewriting the file, so chunks grow at once. A fixed interval of 16
  // would rewrite the file 188 times, the last ones with nearly all 3,000 rows.
  assert.ok(saves >= 1 && saves <= 20, `${saves} rewrites`);
  assert.equal(error, undefined);
  assert.deepEqual(out!.rows.map((r) => r.name), names);
  const saved = await readCsv(file);
  assert.equal(saved.rows.length, N);
  assert.equal(saved.rows[N - 1].name, names[N - 1]);
});

test('stopped in its first chunk, a run saves what it did; resuming evaluates only the rest, in item order', async () => {
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'depthkit-resumable-')), PARTIAL_FILE);
  const stopped = await run(file, { stopAfter: 5 });
  assert.match(String(stopped.error), /stopped after \d+ of 3000 image\(s\)/);
  const kept = (await readCsv(file)).rows.length;
  assert.ok(kept >= 5 && kept <= 16, `${kept} rows saved`);
  const resumed = await run(file, { resume: true });
  assert.equal(resumed.seen, N - kept);
  const { rows } = resumed.out!;
  assert.equal(resumed.out!.resumed, kept);
  assert.deepEqual(rows.map((r) => r.name), names);
  // A resumed row (read back from the partial file) is the row that was evaluated, value for value.
  assert.deepEqual(rows[3], row(names[3]));
  assert.deepEqual(rows[N - 1], row(names[N - 1]));
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import { WorkerPool, type Settled } from '../../src/util/worker-pool.js';

/** A worker that doubles `x`, answers an error for x < 0, throws (dies) on x === 13 and exits on x === 99. */
const CODE = `
const { parentPort } = require('node:worker_threads');
parentPort.on('message', ({ id, x }) => {
  if (x === 13) throw new Error('unlucky');
  if (x === 99) process.exit(3);
  setTimeout(() => parentPort.postMessage(x < 0 ? { id, error: 'negative' } : { id, value: 2 * x }), 5);
});`;

const settle = (r: unknown): Settled<number> => {
  const m = r as { id: number; value?: number; error?: string };
  return m.error ? { id: m.id, error: new Error(m.error) } : { id: m.id, result: m.value! };
};
const start = (n: number, capacity = 1) => new WorkerPool('test', Array.from({ length: n }, () => new Worker(CODE, { eval: true })), settle, capacity);

test('jobs resolve in their own promises; an error answer fails that job only', async () => {
  const pool = start(2, 2);
  try {
    const got = await Promise.allSettled([1, 2, -1, 3, 4].map((x) => pool.run({ x })));
    assert.deepEqual(got.map((g) => (g.status === 'fulfilled' ? g.value : (g.reason as Error).message)), [2, 4, 'negative', 6, 8]);
    assert.equal(pool.size, 2);
  } finally {
    await pool.dispose();
  }
});

test('a worker that throws or exits is never scheduled again, its job fails clearly, the others carry on', async () => {
  const pool = start(2);
  try {
    const crash = pool.run({ x: 13 });
    const rest = [1, 2, 3].map((x) => pool.run({ x }));
    await assert.rejects(crash, /test worker failed: unlucky/);
    assert.deepEqual(await Promise.all(rest), [2, 4, 6]);
    assert.equal(pool.size, 1);
    await assert.rejects(pool.run({ x: 99 }), /test worker exited \(code 3\)/);
    assert.equal(pool.size, 0);
    await assert.rejects(pool.run({ x: 1 }), /none left running/);
  } finally {
    await pool.dispose();
  }
});

test('queued jobs fail when the last worker dies, and dispose fails what is pending', async () => {
  const pool = start(1);
  const crash = pool.run({ x: 99 });
  const queued = pool.run({ x: 1 });
  await assert.rejects(crash, /exited/);
  await assert.rejects(queued, /none left running/);
  await pool.dispose();
  const other = start(1);
  const pending = assert.rejects(other.run({ x: 5 }), /test workers stopped/);
  await other.dispose();
  await pending;
  await assert.rejects(other.run({ x: 1 }), /test workers stopped/);
});

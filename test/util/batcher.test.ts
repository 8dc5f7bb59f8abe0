import { test } from 'node:test';
import assert from 'node:assert/strict';
import { batcher } from '../../src/util/batcher.js';

test('calls made while a batch runs go together in the next, in call order, up to the size', async () => {
  const batches: number[][] = [];
  const call = batcher(async (xs: number[]) => {
    batches.push(xs);
    await new Promise((r) => setTimeout(r, 20));
    return xs.map((x) => 10 * x);
  }, 3);
  const first = call(0);
  await new Promise((r) => setTimeout(r, 5)); // batch [0] is running
  const rest = [1, 2, 3, 4, 5].map(call);
  assert.deepEqual(await Promise.all([first, ...rest]), [0, 10, 20, 30, 40, 50]);
  assert.deepEqual(batches, [[0], [1, 2, 3], [4, 5]]);
});

test('a failed batch fails its calls only; the next batch runs', async () => {
  const call = batcher(async (xs: number[]) => {
    await new Promise((r) => setTimeout(r, 5));
    if (xs.includes(-1)) throw new Error('bad frame');
    return xs;
  }, 2);
  const a = call(-1);
  const b = call(1);
  await new Promise((r) => setTimeout(r, 1));
  const c = call(2);
  await assert.rejects(a, /bad frame/);
  await assert.rejects(b, /bad frame/);
  assert.equal(await c, 2);
});

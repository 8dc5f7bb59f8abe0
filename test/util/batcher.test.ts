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

test('with a queue, a full batch goes to the engine while one runs, and before the finished batch\'s callers resume', async () => {
  const events: string[] = [];
  const call = batcher(async (xs: number[]) => {
    events.push(`run ${xs.join(',')}`);
    await new Promise((r) => setTimeout(r, 20));
    return xs;
  }, 2, 1);
  const first = call(0).then(() => events.push('0 resumed'));
  await new Promise((r) => setTimeout(r, 5)); // batch [0] is running
  const rest = [1, 2, 3, 4, 5].map(call); // [1, 2] full: queued at once; [3, 4] full: waits for a slot; [5] partial
  await new Promise((r) => setTimeout(r, 1));
  assert.deepEqual(events, ['run 0', 'run 1,2'], 'one full batch queued while [0] ran, no more');
  await first;
  assert.deepEqual(events, ['run 0', 'run 1,2', 'run 3,4', '0 resumed'], '[3, 4] left before [0]\'s caller resumed');
  assert.deepEqual(await Promise.all(rest), [1, 2, 3, 4, 5]);
  assert.equal(events.at(-1), 'run 5', 'the partial batch ran once the engine was idle');
});

test('without a queue, one batch at a time (a full batch waits)', async () => {
  let running = 0;
  let most = 0;
  const call = batcher(async (xs: number[]) => {
    most = Math.max(most, ++running);
    await new Promise((r) => setTimeout(r, 5));
    running--;
    return xs;
  }, 2);
  assert.deepEqual(await Promise.all([0, 1, 2, 3, 4, 5].map(call)), [0, 1, 2, 3, 4, 5]);
  assert.equal(most, 1);
});

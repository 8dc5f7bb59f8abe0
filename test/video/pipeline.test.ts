import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mapStage } from '../../src/video/pipeline.js';

async function* counted(n: number, log: { pulled: number }) {
  for (let i = 0; i < n; i++) {
    log.pulled++;
    yield i;
  }
}

const tick = () => new Promise((r) => setTimeout(r, 1));

test('mapStage keeps order with several calls in flight and never runs more than `ahead` items ahead', async () => {
  const log = { pulled: 0 };
  let running = 0;
  let peak = 0;
  const out: number[] = [];
  let consumed = 0;
  for await (const v of mapStage(counted(20, log), async (x) => {
    running++;
    peak = Math.max(peak, running);
    await new Promise((r) => setTimeout(r, (x * 7) % 5)); // finish out of order
    running--;
    return x * 10;
  }, { ahead: 3 })) {
    out.push(v);
    consumed++;
    await tick();
    assert.ok(log.pulled <= consumed + 3, `pulled ${log.pulled} with ${consumed} consumed`);
  }
  assert.deepEqual(out, Array.from({ length: 20 }, (_, i) => i * 10));
  assert.ok(peak > 1 && peak <= 3, `peak ${peak}`);
});

test('mapStage: chained stages overlap; breaking out closes the source after the items in flight finish', async () => {
  const log = { pulled: 0 };
  let finished = 0;
  let closed = false;
  async function* source() {
    try {
      yield* counted(100, log);
    } finally {
      closed = true;
    }
  }
  const stage2 = mapStage(mapStage(source(), async (x) => x, { ahead: 2 }), async (x) => {
    await tick();
    finished++;
    return x;
  }, { ahead: 2 });
  for await (const v of stage2) if (v === 4) break;
  assert.ok(closed, 'source closed');
  assert.ok(log.pulled < 12, `pulled ${log.pulled} of 100`);
  assert.ok(finished >= 5);
});

test('mapStage surfaces a failure at its item and stops', async () => {
  const seen: number[] = [];
  await assert.rejects(async () => {
    for await (const v of mapStage(counted(10, { pulled: 0 }), async (x) => {
      if (x === 3) throw new Error('boom at 3');
      return x;
    }, { ahead: 4 })) seen.push(v);
  }, /boom at 3/);
  assert.deepEqual(seen, [0, 1, 2]);
});

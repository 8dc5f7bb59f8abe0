import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mapStage } from '../../src/video/pipeline.js';
import { colourise, turbo, turboTable } from '../../src/report/colormap.js';
import { composePreview, previewRange } from '../../src/video/preview.js';

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

test('turbo matches the published table at its anchors (within the polynomial fit error)', () => {
  const ref = JSON.parse(readFileSync(new URL('../reference/video/turbo_anchors.json', import.meta.url), 'utf8')) as { anchors: Record<string, number[]> };
  for (const [k, rgb] of Object.entries(ref.anchors)) {
    const got = turbo(Number(k) / 255);
    got.forEach((c, i) => assert.ok(Math.abs(c / 255 - rgb[i]) < 0.13, `index ${k} channel ${i}: ${c / 255} vs ${rgb[i]}`));
  }
  assert.deepEqual(turbo(NaN), turbo(0));
  assert.deepEqual(turbo(2), turbo(1));
  assert.equal(turboTable().length, 768);
});

test('colourise uses a fixed range, clamps outside it and blacks out missing depth', () => {
  const lut = turboTable();
  const c = colourise([1, 5, 9, 100, 0, NaN], 1, 9, lut);
  assert.deepEqual([...c.subarray(0, 3)], [...lut.subarray(0, 3)]);
  assert.deepEqual([...c.subarray(3, 6)], [...lut.subarray(3 * 128, 3 * 128 + 3)]);
  assert.deepEqual([...c.subarray(6, 9)], [...c.subarray(9, 12)], 'above the range = the last colour');
  assert.deepEqual([...c.subarray(12, 18)], [0, 0, 0, 0, 0, 0]);
});

test('preview: range from robust percentiles; frame left, colour right', () => {
  const data = Float32Array.from({ length: 100 }, (_, i) => i + 1);
  data[99] = 1e6; // an outlier does not stretch the range
  const r = previewRange({ data, width: 10, height: 10 });
  // numpy: np.percentile(data, [2, 98], method='lower') == [2, 98]
  assert.equal(r.lo, 2);
  assert.equal(r.hi, 98);
  const rgb = { data: new Uint8Array(2 * 1 * 3).fill(7), width: 2, height: 1 };
  const out = composePreview(rgb, { data: Float32Array.from([2, 98]), width: 2, height: 1 }, r, turboTable());
  assert.equal(out.length, 12);
  assert.deepEqual([...out.subarray(0, 6)], [7, 7, 7, 7, 7, 7]);
  assert.deepEqual([...out.subarray(6, 9)], [...turbo(0)]);
  assert.deepEqual([...out.subarray(9, 12)], [...turbo(1)]);
});

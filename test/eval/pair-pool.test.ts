import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { evaluateFolder } from '../../src/eval/folder.js';
import { resolveProtocol } from '../../src/eval/protocol.js';
import { writeKittiPairs } from '../bench/fixtures.js';

test('evaluating pairs in worker threads gives the same rows as in-process, in order', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'depthkit-pool-'));
  const { pred, gt } = await writeKittiPairs(dir, 9, 120, 40);
  const protocol = resolveProtocol({ dataset: 'kitti', align: 'median' });
  const inProcess = await evaluateFolder({ predDir: pred, gtDir: gt, protocol, workers: 0 });
  const pooled = await evaluateFolder({ predDir: pred, gtDir: gt, protocol, workers: 2 });
  assert.deepEqual(pooled.rows, inProcess.rows);
  assert.deepEqual(pooled.summary, inProcess.summary);
});

test('a bad file read in a worker is still a one-line error naming it', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'depthkit-pool-'));
  const { pred, gt } = await writeKittiPairs(dir, 3, 40, 20);
  writeFileSync(path.join(gt, '000001.png'), 'not a png');
  const protocol = resolveProtocol({ dataset: 'kitti' });
  await assert.rejects(evaluateFolder({ predDir: pred, gtDir: gt, protocol, workers: 2 }), (err: Error) => {
    assert.equal(err.name, 'DepthkitError');
    assert.match(err.message, /gt\/000001\.png/);
    assert.doesNotMatch(err.message, /\n/);
    return true;
  });
});

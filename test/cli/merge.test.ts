import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { depthkit } from '../helpers/cli.js';
import { loadSplit } from '../../src/data/split.js';
import { mergeShards, parseShard, readShard, shardSlice } from '../../src/eval/shard.js';
import { evalDataset, tmp, writeTree } from '../helpers/dataset-fixtures.js';

test('--shard i/n: contiguous parts that concatenate to the whole list, sizes differing by at most one', () => {
  const items = Array.from({ length: 23 }, (_, i) => i);
  for (let n = 1; n <= 9; n++) {
    const parts = Array.from({ length: n }, (_, i) => shardSlice(items, { index: i + 1, count: n }));
    assert.deepEqual(parts.flat(), items);
    const sizes = parts.map((p) => p.length);
    assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1);
  }
  assert.deepEqual(parseShard('2/4'), { index: 2, count: 4 });
  for (const bad of ['0/4', '5/4', '1', 'a/b', '1/0']) assert.throws(() => parseShard(bad), /--shard must be i\/n/);
});

test('depthkit merge of the shards equals one run byte for byte, and refuses incomplete or mixed shards', async () => {
  const d = tmp();
  const dirs = { dataRoot: path.join(d, 'raw'), gtRoot: path.join(d, 'gt'), predDir: path.join(d, 'pred') };
  await writeTree((await loadSplit('kitti', 'eigen')).entries.slice(0, 7), dirs, { width: 96, height: 40, scale: 256, density: 0.4, maxDepth: 80 });
  const run = (outDir: string, shard?: string, crop?: 'eigen') => evalDataset(
    { dataset: 'kitti', dataPath: dirs.dataRoot, gtPath: dirs.gtRoot, pred: dirs.predDir, limit: 7, outDir: path.join(d, outDir), shard: shard ? parseShard(shard) : undefined },
    crop,
  );
  await run('single');
  for (const i of [1, 2, 3]) await run(`s${i}`, `${i}/3`);
  const sizes = await Promise.all([1, 2, 3].map(async (i) => (await readShard(path.join(d, `s${i}`))).rows.length));
  assert.deepEqual(sizes, [2, 2, 3]);

  const merged = path.join(d, 'merged');
  const r = depthkit(['merge', path.join(d, 's3'), path.join(d, 's1'), path.join(d, 's2'), '--out', merged]);
  assert.equal(r.code, 0, r.stderr);
  for (const f of ['per_image.csv', 'summary.csv', 'table.csv', 'per_image.csv.meta.json', 'summary.csv.meta.json', 'table.csv.meta.json']) {
    assert.equal(readFileSync(path.join(merged, f), 'utf8'), readFileSync(path.join(d, 'single', f), 'utf8'), f);
  }

  const shards = async (...names: string[]) => Promise.all(names.map((n) => readShard(path.join(d, n))));
  assert.throws(() => mergeShards([]), /no shard folder given/);
  await assert.rejects(async () => mergeShards(await shards('s1', 's2')), /shard\(s\) 3\/3 missing: merge needs every part/);
  cpSync(path.join(d, 's1'), path.join(d, 's1-again'), { recursive: true });
  await assert.rejects(async () => mergeShards(await shards('s1', 's1-again', 's2', 's3')), /shards \S*s1 and \S*s1-again are both part 1\/3/);
  await run('s2-eigen', '2/3', 'eigen');
  await assert.rejects(async () => mergeShards(await shards('s1', 's2-eigen', 's3')), /shards \S*s1 and \S*s2-eigen come from different runs: crop \(garg vs eigen\)/);
  await assert.rejects(shards('single'), /single\/per_image\.csv: is not the output of a sharded dataset run/);
});

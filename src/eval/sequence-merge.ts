import path from 'node:path';
import { FormatError } from '../errors.js';
import { exists } from '../data/video-benchmarks/sequence.js';
import { orderShards, parseShard } from './shard.js';
import { readSequenceRows, writeSequenceOutputs } from './sequence-outputs.js';

/** True when `dir` holds the output of `eval --dataset <video benchmarks>` (sequences.csv). */
export async function isSequenceRun(dir: string): Promise<boolean> {
  return exists(path.join(dir, 'sequences.csv'));
}

/**
 * The shards of one video-benchmark run combined into what a single run writes: the sequences in shard order
 * (= list order, shards being contiguous), summaries and table recomputed from them.
 */
export async function mergeSequenceShards(dirs: readonly string[], out: string) {
  const started = new Date().toISOString();
  const shards = await Promise.all(dirs.map(async (dir) => {
    const file = path.join(dir, 'sequences.csv');
    const { rows, meta } = await readSequenceRows(file);
    if (!meta || typeof meta.shard !== 'string' || meta.shard === 'none') throw new FormatError(file, 'is not the output of a sharded run (its metadata names no --shard)');
    return { dir, meta, shard: parseShard(meta.shard), rows: rows.map((r) => ({ ...r, name: `${r.dataset}/${r.sequence}` })) };
  }));
  const ordered = orderShards(shards);
  const rows = ordered.flatMap((s) => s.rows.map(({ name: _name, ...r }) => r));
  const { depthkit_version: _v, ...first } = ordered[0].meta;
  const meta = { ...first, shard: 'none', count: rows.length };
  return { ...(await writeSequenceOutputs(out, rows, meta, { started, inputs: { shards: dirs } })), rows, meta };
}

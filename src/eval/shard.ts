import path from 'node:path';
import { DepthkitError, FormatError } from '../errors.js';
import { numericCell, readCsv, type CsvMeta, type CsvTable } from '../io/csv.js';
import type { AlignMode, AlignSpace } from '../metrics/align.js';
import { summarizeMetrics, METRIC_NAMES } from '../metrics/accuracy.js';
import type { CropName } from '../metrics/crop.js';
import { PER_IMAGE_COLUMNS, type FolderEvalResult, type ImageRow } from './image-row.js';
import { conventionsFromMeta, type DatasetName, type EvalProtocol } from './protocol.js';

/** `--shard i/n`: the i-th of n parts, 1-based. */
export interface Shard {
  index: number;
  count: number;
}

export function parseShard(text: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!(count >= 1 && index >= 1 && index <= count)) throw new DepthkitError(`--shard must be i/n with 1 <= i <= n (got "${text}")`);
  return { index, count };
}

export const formatShard = (s: Shard | undefined): string => (s ? `${s.index}/${s.count}` : 'none');

/**
 * Contiguous parts: shard i of n takes items floor((i-1)N/n) .. floor(iN/n)-1, so the shards in order concatenate
 * to the whole list in its order, and a merge needs nothing but their order to rebuild a single run exactly.
 */
export function shardSlice<T>(items: readonly T[], shard: Shard | undefined): T[] {
  if (!shard) return [...items];
  const n = items.length;
  return items.slice(Math.floor(((shard.index - 1) * n) / shard.count), Math.floor((shard.index * n) / shard.count));
}

/** Per-image rows back from a per_image CSV; numbers round-trip exactly (they are written shortest-exact). */
export function rowsFromCsv(table: CsvTable, file: string): ImageRow[] {
  const missing = PER_IMAGE_COLUMNS.find((c) => !table.columns.includes(c));
  if (missing) throw new FormatError(file, `has no column "${missing}" (is it a depthkit per_image.csv?)`);
  return table.rows.map((r, i) => {
    const num = (c: string) => numericCell(file, r, c, i);
    return {
      name: r.name,
      ...(Object.fromEntries(METRIC_NAMES.map((m) => [m, num(m)])) as Record<(typeof METRIC_NAMES)[number], number>),
      valid_pixels: num('valid_pixels'),
      resized: num('resized'),
      align_scale: num('align_scale'),
      align_shift: num('align_shift'),
    };
  });
}

/** Metadata that differs between the shards of one run; every other key must agree. */
export const PER_SHARD_KEYS = ['shard', 'entries', 'count', 'missing', 'skipped', 'resized', 'depthkit_version'] as const;

export const sameRun = (a: CsvMeta, b: CsvMeta): string | undefined => {
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((k) => !(PER_SHARD_KEYS as readonly string[]).includes(k));
  const k = keys.find((key) => a[key] !== b[key]);
  return k === undefined ? undefined : `${k} (${a[k] ?? 'absent'} vs ${b[k] ?? 'absent'})`;
};

export interface ShardResult {
  dir: string;
  meta: CsvMeta;
  shard: Shard;
  rows: ImageRow[];
}

export async function readShard(dir: string): Promise<ShardResult> {
  const file = path.join(dir, 'per_image.csv');
  const table = await readCsv(file);
  if (!table.meta || typeof table.meta.shard !== 'string' || table.meta.shard === 'none') {
    throw new FormatError(file, 'is not the output of a sharded dataset run (its metadata names no --shard)');
  }
  return { dir, meta: table.meta, shard: parseShard(table.meta.shard), rows: rowsFromCsv(table, file) };
}

/**
 * Checks that the shards are all the parts of one run, each once, and returns them in shard order.
 * Refuses mixed protocols or settings, a part given twice and a part absent, naming them.
 */
export function orderShards<R extends { name: string }, S extends Omit<ShardResult, 'rows'> & { rows: R[] }>(shards: readonly S[]): S[] {
  if (shards.length === 0) throw new DepthkitError('no shard folder given');
  const first = shards[0];
  for (const s of shards.slice(1)) {
    const diff = sameRun(first.meta, s.meta);
    if (diff) throw new DepthkitError(`shards ${first.dir} and ${s.dir} come from different runs: ${diff}`);
    if (s.shard.count !== first.shard.count) throw new DepthkitError(`shards ${first.dir} and ${s.dir} split the list in ${first.shard.count} and ${s.shard.count} parts`);
  }
  const byIndex = new Map<number, S>();
  for (const s of shards) {
    const other = byIndex.get(s.shard.index);
    if (other) throw new DepthkitError(`shards ${other.dir} and ${s.dir} are both part ${formatShard(s.shard)}`);
    byIndex.set(s.shard.index, s);
  }
  const absent = Array.from({ length: first.shard.count }, (_, i) => i + 1).filter((i) => !byIndex.has(i));
  if (absent.length) throw new DepthkitError(`shard(s) ${absent.map((i) => `${i}/${first.shard.count}`).join(', ')} missing: merge needs every part`);
  const names = new Map<string, string>();
  for (const s of byIndex.values()) {
    for (const r of s.rows) {
      const other = names.get(r.name);
      if (other) throw new DepthkitError(`${r.name} appears in both ${other} and ${s.dir}`);
      names.set(r.name, s.dir);
    }
  }
  return [...byIndex.keys()].sort((a, b) => a - b).map((i) => byIndex.get(i)!);
}

/** The protocol a per_image sidecar records (protocolRecord read back). */
export function protocolFromMeta(meta: CsvMeta, file: string): EvalProtocol {
  const num = (k: string) => {
    const v = meta[k];
    if (typeof v !== 'number') throw new FormatError(file, `metadata has no number "${k}"`);
    return v;
  };
  const str = (k: string) => String(meta[k] ?? '');
  return {
    dataset: str('dataset') === 'none' ? null : (str('dataset') as DatasetName),
    crop: str('crop') as CropName,
    minDepth: num('min_depth'),
    maxDepth: num('max_depth'),
    align: str('align') as AlignMode,
    alignSpace: str('align_space') as AlignSpace,
    alignScope: str('align_scope') as EvalProtocol['alignScope'],
    predScale: num('pred_scale'),
    gtScale: num('gt_scale'),
    convention: str('convention'),
    ...conventionsFromMeta(meta),
  };
}

export interface MergeResult {
  result: FolderEvalResult;
  protocol: EvalProtocol;
  meta: CsvMeta;
}

/**
 * The shards of one run combined into what a single run writes: rows concatenated in shard order (= split order,
 * the shards being contiguous), summary recomputed from them, counts summed, `shard` back to none.
 */
export function mergeShards(shards: readonly ShardResult[]): MergeResult {
  const ordered = orderShards(shards);
  const rows = ordered.flatMap((s) => s.rows);
  const sum = (k: string) => ordered.reduce((acc, s) => acc + Number(s.meta[k] ?? 0), 0);
  const { depthkit_version: _version, ...first } = ordered[0].meta;
  const meta: CsvMeta = { ...first, shard: 'none', entries: sum('entries'), count: rows.length, missing: sum('missing'), skipped: sum('skipped'), resized: sum('resized') };
  const protocol = protocolFromMeta(first, path.join(ordered[0].dir, 'per_image.csv'));
  return {
    protocol,
    meta,
    result: {
      rows,
      summary: { count: rows.length, ...summarizeMetrics(rows, protocol.pool) },
      skipped: [],
      unmatchedPred: [],
      unmatchedGt: [],
      resizedCount: rows.filter((r) => r.resized).length,
    },
  };
}

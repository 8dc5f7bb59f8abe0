import { promises as fs } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { DepthkitError } from '../../src/errors.js';
import { applyAll, type Mutation } from './mutations.js';

/**
 * The fuzz property: a reader given a mutated file either returns a self-consistent value (and exactly the seed's
 * value when the bytes are the seed's or every fault was meaning-preserving), or throws a DepthkitError whose one-line message names the file. Anything
 * else is a failure: another exception type, a message without the file, an allocation far beyond the input, or
 * (when a deadline is set) a case slower than the deadline.
 */

export interface Seed {
  bytes: Uint8Array;
  /** What the reader must return for these exact bytes read from `file` (computed independently of the reader). */
  expected(file: string): unknown;
}

export interface FuzzTarget {
  name: string;
  ext: string;
  seeds: Seed[];
  mutations: fc.Arbitrary<Mutation[]>;
  /** Reads the file; returns the value and, when it is not self-consistent, why. */
  decode(file: string): Promise<{ value: unknown; violation?: string }>;
}

/** Builds a FuzzTarget from a typed reader and its consistency check. */
export function defineTarget<T>(spec: {
  name: string;
  ext: string;
  seeds: { bytes: Uint8Array; expected: T }[];
  mutations: fc.Arbitrary<Mutation[]>;
  read(file: string): Promise<T>;
  check(value: T): string | undefined;
  /** For readers that echo the file name into their result: puts it into a seed's expected value. */
  stamp?(expected: T, file: string): T;
}): FuzzTarget {
  return {
    name: spec.name,
    ext: spec.ext,
    seeds: spec.seeds.map((s) => ({ bytes: s.bytes, expected: (file) => (spec.stamp ? spec.stamp(s.expected, file) : s.expected) })),
    mutations: spec.mutations,
    async decode(file) {
      const value = await spec.read(file);
      return { value, violation: spec.check(value) };
    },
  };
}

export interface FuzzCase {
  seed: number;
  mutations: Mutation[];
}

export type Outcome = { kind: 'read' | 'refused' | 'failure'; ms: number; reason?: string };

/**
 * Array-buffer growth allowed during one read. Every input is a few hundred bytes, so a legitimate read allocates
 * kilobytes (a deflate member may inflate ~1000x); 64 MiB can only come from trusting a header.
 */
export const ALLOCATION_BUDGET = 64 * 1024 * 1024;

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}

export async function runCase(target: FuzzTarget, c: FuzzCase, file: string, deadlineMs?: number): Promise<Outcome> {
  const seed = target.seeds[c.seed % target.seeds.length];
  const bytes = applyAll(seed.bytes, c.mutations);
  const preserved = sameBytes(bytes, seed.bytes) || c.mutations.every((m) => m.preserving);
  await fs.writeFile(file, bytes);
  const before = process.memoryUsage().arrayBuffers;
  const t0 = performance.now();
  let outcome: Outcome;
  try {
    const { value, violation } = await target.decode(file);
    const ms = performance.now() - t0;
    if (violation) outcome = { kind: 'failure', ms, reason: `inconsistent result: ${violation}` };
    else if (preserved && !isDeepStrictEqual(value, seed.expected(file))) {
      outcome = { kind: 'failure', ms, reason: 'valid file read wrongly (differs from its seed)' };
    } else outcome = { kind: 'read', ms };
  } catch (err) {
    const ms = performance.now() - t0;
    if (preserved) outcome = { kind: 'failure', ms, reason: `valid file refused: ${String((err as Error)?.message ?? err)}` };
    else if (!(err instanceof DepthkitError)) {
      outcome = { kind: 'failure', ms, reason: `threw ${(err as Error)?.name ?? typeof err}: ${String((err as Error)?.message ?? err)}` };
    } else if (!err.message.includes(file)) outcome = { kind: 'failure', ms, reason: `message does not name the file: ${err.message}` };
    else if (/[\r\n\u2028\u2029]/.test(err.message)) outcome = { kind: 'failure', ms, reason: `message is not one line: ${JSON.stringify(err.message)}` };
    else outcome = { kind: 'refused', ms };
  }
  const grown = process.memoryUsage().arrayBuffers - before;
  if (grown > ALLOCATION_BUDGET) return { kind: 'failure', ms: outcome.ms, reason: `allocated ${(grown / 2 ** 20).toFixed(0)} MiB` };
  if (deadlineMs !== undefined && outcome.ms > deadlineMs) {
    return { kind: 'failure', ms: outcome.ms, reason: `took ${outcome.ms.toFixed(0)} ms (deadline ${deadlineMs} ms)` };
  }
  return outcome;
}

export interface Tally {
  cases: number;
  read: number;
  refused: number;
  failures: number;
}

export interface FuzzStats extends Tally {
  target: string;
  slowestMs: number;
  slowestCase: string;
  /** Per fault family: cases containing it, and how they ended. */
  byOp: Record<string, Tally>;
  /** The first few failures, with the case that caused them. */
  examples: string[];
}

const describe = (c: FuzzCase) => `seed ${c.seed} + ${c.mutations.map(String).join(', ')}`;

export interface FuzzOptions {
  cases: number;
  seed: number;
  /** Per-case deadline; left out in unit tests (no timed assertions there). */
  deadlineMs?: number;
  /** Stop at the first failure and let fast-check shrink it (unit tests); otherwise count every failure. */
  stopOnFailure?: boolean;
  dir: string;
}

/** Runs `cases` generated cases against one reader; the case stream is fixed by `seed`. */
export async function fuzzTarget(target: FuzzTarget, opts: FuzzOptions): Promise<FuzzStats & { counterexample?: string }> {
  const stats: FuzzStats = { target: target.name, cases: 0, read: 0, refused: 0, failures: 0, slowestMs: 0, slowestCase: '', byOp: {}, examples: [] };
  const file = path.join(opts.dir, `fuzz-${target.name}.${target.ext}`);
  const arb = fc.record({ seed: fc.nat({ max: target.seeds.length - 1 }), mutations: target.mutations });
  const bump = (t: Tally, kind: Outcome['kind']) => {
    t.cases++;
    if (kind === 'read') t.read++;
    else if (kind === 'refused') t.refused++;
    else t.failures++;
  };
  const result = await fc.check(
    fc.asyncProperty(arb, async (c) => {
      const out = await runCase(target, c, file, opts.deadlineMs);
      bump(stats, out.kind);
      for (const op of new Set(c.mutations.map((m) => m.op))) bump((stats.byOp[op] ??= { cases: 0, read: 0, refused: 0, failures: 0 }), out.kind);
      if (out.ms > stats.slowestMs) {
        stats.slowestMs = out.ms;
        stats.slowestCase = describe(c);
      }
      if (out.kind === 'failure' && stats.examples.length < 5) stats.examples.push(`${describe(c)}: ${out.reason}`);
      return !(opts.stopOnFailure && out.kind === 'failure');
    }),
    { numRuns: opts.cases, seed: opts.seed },
  );
  return { ...stats, counterexample: result.failed ? `${result.counterexample?.map((c) => describe(c as FuzzCase)).join('; ')}` : undefined };
}

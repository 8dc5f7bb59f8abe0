import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fuzzTarget, type FuzzStats } from './harness.js';
import { TARGETS } from './targets.js';

/**
 * `node --import tsx test/fuzz/run.ts [--cases N] [--seed S] [--deadline MS] [--json FILE] [reader...]`: fuzzes each
 * reader and prints cases, outcomes, failures and the slowest case; exits 1 when any reader failed.
 */

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    cases: { type: 'string', default: '10000' },
    seed: { type: 'string', default: '12' },
    deadline: { type: 'string', default: '2000' },
    json: { type: 'string' },
  },
});
const cases = Number(values.cases);
const seed = Number(values.seed);
const deadlineMs = Number(values.deadline);
if (![cases, seed, deadlineMs].every(Number.isSafeInteger) || cases < 1) {
  console.error('--cases, --seed and --deadline take integers (cases >= 1)');
  process.exit(2);
}
const unknown = positionals.filter((p) => !TARGETS.some((t) => t.name === p));
if (unknown.length) {
  console.error(`unknown reader(s) ${unknown.join(', ')}; known: ${TARGETS.map((t) => t.name).join(', ')}`);
  process.exit(2);
}
const chosen = positionals.length ? TARGETS.filter((t) => positionals.includes(t.name)) : TARGETS;

const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'depthkit-fuzz-'));
const all: FuzzStats[] = [];
try {
  console.log(`seed ${seed}, ${cases} cases a reader, deadline ${deadlineMs} ms`);
  console.log('reader            cases    read  refused failures  slowest ms');
  for (const target of chosen) {
    const s = await fuzzTarget(target, { cases, seed, deadlineMs, dir });
    all.push(s);
    const row = [s.target.padEnd(16), s.cases, s.read, s.refused, s.failures].map((v, i) => (i ? String(v).padStart(8) : v)).join(' ');
    console.log(`${row} ${s.slowestMs.toFixed(1).padStart(11)}`);
    for (const e of s.examples) console.log(`    FAIL ${e}`);
  }
} finally {
  await fs.rm(dir, { recursive: true, force: true });
}
const slowest = all.reduce((a, b) => (b.slowestMs > a.slowestMs ? b : a));
console.log(`slowest case: ${slowest.target} ${slowest.slowestMs.toFixed(1)} ms (${slowest.slowestCase})`);
if (values.json) await fs.writeFile(values.json, `${JSON.stringify({ seed, cases, deadlineMs, node: process.version, results: all }, null, 2)}\n`);
process.exit(all.some((s) => s.failures > 0) ? 1 : 0);

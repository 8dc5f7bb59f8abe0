import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { loadCiConfig } from '../../src/ci/config.js';
import { DepthkitError, FormatError } from '../../src/errors.js';
import { readCsv } from '../../src/io/csv.js';
import { decodeNpy, readNpy } from '../../src/io/npy.js';
import { defineTarget, fuzzTarget, runCase, type FuzzTarget } from '../fuzz/harness.js';
import { applyAll, byteMutation, mutations } from '../fuzz/mutations.js';
import { npyTarget } from '../fuzz/targets-array.js';
import { TARGETS } from '../fuzz/targets.js';

/** CI's seeded fuzz run: 300 cases a reader, stopping at (and shrinking) the first failure. */

const SEED = 20261125;
const CASES = 300;
const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'depthkit-fuzz-'));
test.after(() => fs.rm(dir, { recursive: true, force: true }));

test('every seed file reads back exactly its independently built value', async () => {
  for (const target of TARGETS) {
    for (const [i, seed] of target.seeds.entries()) {
      const out = await runCase(target, { seed: i, mutations: [] }, path.join(dir, `seed-${target.name}-${i}.${target.ext}`));
      assert.equal(out.kind, 'read', `${target.name} seed ${i}: ${out.reason ?? 'refused'} (${seed.bytes.length} bytes)`);
    }
  }
});

for (const target of TARGETS) {
  test(`fuzz ${target.name}: ${CASES} mutated files each read consistently or refused with a typed error`, async () => {
    const s = await fuzzTarget(target, { cases: CASES, seed: SEED, stopOnFailure: true, dir });
    assert.equal(s.counterexample, undefined, `${target.name} failed on ${s.counterexample}\n${s.examples.join('\n')}`);
    // A fuzzer that never gets a file past the first check tests nothing: both outcomes must occur.
    assert.ok(s.read > 0 && s.refused > 0, `${target.name}: ${s.read} read, ${s.refused} refused`);
  });
}

const hasNumpy = spawnSync('python3', ['-c', 'import numpy'], { stdio: 'ignore' }).status === 0;

test('differential: numpy agrees with every mutated .npy the reader accepts', { skip: !hasNumpy && 'needs python3 + numpy' }, async () => {
  const cases = fc.sample(fc.record({ seed: fc.nat({ max: npyTarget.seeds.length - 1 }), mutations: npyTarget.mutations }), { numRuns: CASES, seed: SEED });
  const folder = await fs.mkdtemp(path.join(dir, 'npy-'));
  const names = await Promise.all(cases.map(async (c, i) => {
    const name = `case-${String(i).padStart(3, '0')}.npy`;
    await fs.writeFile(path.join(folder, name), applyAll(npyTarget.seeds[c.seed].bytes, c.mutations));
    return name;
  }));
  const ref = JSON.parse(execFileSync('python3', [path.join(import.meta.dirname, '..', 'reference', 'fuzz_npy_ref.py'), folder], { encoding: 'utf8' })) as Record<
    string,
    { shape?: number[]; trailing?: number; values?: (number | string)[]; error?: string }
  >;
  const spell = (v: number) => (Number.isNaN(v) ? 'nan' : v === Infinity ? 'inf' : v === -Infinity ? '-inf' : v);
  let agreed = 0;
  for (const [i, name] of names.entries()) {
    const file = path.join(folder, name);
    const ours = await readNpy(file).catch((err: unknown) => err as Error);
    const np = ref[name];
    if (ours instanceof Error) continue; // refusals are checked by the fuzz property; numpy is laxer (trailing bytes)
    const why = `${name} (${cases[i].mutations.map(String).join(', ')})`;
    assert.equal(np.error, undefined, `${why}: read by depthkit, refused by numpy: ${np.error}`);
    assert.deepEqual(ours.shape, np.shape, why);
    assert.equal(np.trailing, 0, why);
    assert.deepEqual(Array.from(ours.data.subarray(0, 64), spell), np.values, why);
    agreed++;
  }
  assert.ok(agreed > 10, `only ${agreed} of ${CASES} mutated files were readable`);
});

/** The property itself must be able to fail: readers with each kind of defect are caught. */
function brokenNpy(name: string, read: (file: string, bytes: Uint8Array) => unknown): FuzzTarget {
  return defineTarget({
    name,
    ext: 'npy',
    seeds: npyTarget.seeds.map((s) => ({ bytes: s.bytes, expected: s.expected('') })),
    mutations: mutations(byteMutation),
    read: async (file) => read(file, await fs.readFile(file)),
    check: () => undefined,
  });
}

test('the harness catches untyped errors, nameless or multi-line messages, wrong results, header-driven allocations', async () => {
  const fuzzed: [FuzzTarget, RegExp][] = [
    [brokenNpy('untyped', (f, b) => {
      if (b.length !== npyTarget.seeds[0].bytes.length) throw new RangeError('Invalid typed array length');
      return decodeNpy(b, f);
    }), /threw RangeError/],
    [brokenNpy('nameless', (_f, b) => decodeNpy(b, 'somewhere.npy')), /does not name the file/],
    [brokenNpy('multiline', (f, b) => {
      // FormatError escapes line breaks itself; a message rewritten afterwards stands for a reader that bypasses it.
      if (b.length === 0 || b[0] !== 0x93) throw Object.assign(new FormatError(f, 'x'), { message: `${f}: not\nan npy` });
      return decodeNpy(b, f);
    }), /not one line/],
  ];
  for (const [target, reason] of fuzzed) {
    const s = await fuzzTarget(target, { cases: 200, seed: SEED, dir });
    assert.ok(s.failures > 0, `${target.name}: no failure found`);
    assert.match(s.examples.join('\n'), reason, target.name);
  }
  const onSeed: [FuzzTarget, RegExp][] = [
    [brokenNpy('wrong', () => ({ shape: [1], data: new Float32Array(1), dtype: '<f4' })), /valid file read wrongly/],
    [brokenNpy('greedy', () => new Uint8Array(128 * 2 ** 20)), /allocated 128 MiB/],
  ];
  for (const [target, reason] of onSeed) {
    const out = await runCase(target, { seed: 0, mutations: [] }, path.join(dir, 'defect.npy'));
    assert.equal(out.kind, 'failure', target.name);
    assert.match(out.reason ?? '', reason, target.name);
  }
});

/** Regressions for what the fuzzer found (docs/reliability.md, "Found and fixed"). */

test('regression: a header byte echoed into an error message cannot break the one-line contract', async () => {
  const file = path.join(dir, 'newline-dtype.npy');
  const header = "{'descr': '<u\n\u001b[2J', 'fortran_order': False, 'shape': (1,), }".padEnd(117, ' ') + '\n';
  await fs.writeFile(file, Buffer.concat([Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, header.length, 0]), Buffer.from(header, 'latin1'), Buffer.alloc(2)]));
  await assert.rejects(readNpy(file), (err: unknown) => {
    assert.ok(err instanceof FormatError);
    assert.equal(err.message, `${file}: unsupported .npy dtype '<u\\n\\u001b[2J' (supported: f4 f8 u1 u2 i2 i4 b1)`);
    return true;
  });
  const csv = path.join(dir, 'dup.csv');
  await fs.writeFile(csv, '"a\r\nb","a\r\nb"\n1,2\n');
  await assert.rejects(readCsv(csv), (err: unknown) => err instanceof FormatError && err.message === `${csv}: column "a\\r\\nb" appears twice in the header`);
  assert.equal(new DepthkitError('tab\tstays, \u2028 does not').message, 'tab\tstays, \\u2028 does not');
});

test('regression: a config saved with a UTF-8 byte-order mark is read', async () => {
  const file = path.join(dir, 'bom.json');
  await fs.writeFile(file, `\uFEFF${JSON.stringify({ tolerances: { abs_rel: 0.002 } })}`);
  const config = await loadCiConfig(dir, file);
  assert.deepEqual(config?.tolerances, { abs_rel: { kind: 'abs', value: 0.002 } });
});

test('regression: .npy headers numpy refuses are refused (differential fuzzing against np.load)', async () => {
  const npy = (dict: string, opts: { minor?: number; major?: number } = {}) => {
    const major = opts.major ?? 1;
    const prefix = major === 1 ? 10 : 12;
    const pad = Buffer.alloc(64 * 2 - prefix, ' ');
    pad.write(dict, 0, 'latin1');
    pad[pad.length - 1] = 0x0a;
    const head = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, major, opts.minor ?? 0, pad.length, 0, 0, 0]).subarray(0, prefix);
    return Buffer.concat([head, pad, Buffer.alloc(4)]);
  };
  const ok = "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }";
  const refused: [string, Buffer][] = [
    ['byte in the padding', npy(`${ok}   \u00ff`)],
    ['no-break space in the padding', npy(`${ok}\u00a0`)],
    ['vertical tab', npy(`${ok}\u000b`)],
    ['flipped brace', npy(ok.replace('{', '\u007f'))],
    ['stray element', npy(ok.replace("'<f4',", "'<f4', 'x',"))],
    ['extra key', npy(ok.replace('}', "'x': True, }"))],
    ['repeated key', npy(ok.replace('}', "'shape': (1,), }"))],
    ['minor version 1', npy(ok, { minor: 1 })],
    ['version 3 header not UTF-8', npy(`${ok} \u00ff`, { major: 3 })],
  ];
  for (const [what, bytes] of refused) {
    const file = path.join(dir, 'strict.npy');
    await fs.writeFile(file, bytes);
    await assert.rejects(readNpy(file), (err: unknown) => err instanceof FormatError && err.message.startsWith(file), what);
  }
  const file = path.join(dir, 'loose.npy');
  await fs.writeFile(file, npy(ok.replaceAll(' ', '\t\f ').replace("'<f4'", '"<f4"'), { major: 2 }));
  assert.deepEqual((await readNpy(file)).shape, [1]);
});

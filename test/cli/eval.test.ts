import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { depthkit, ROOT } from '../helpers/cli.js';
import { writeNpy, encodeNpy } from '../../src/io/npy.js';
import { writeKittiPairs } from '../bench/fixtures.js';
import { writePng16 } from '../../src/io/png16.js';
import { readCsv } from '../../src/io/csv.js';
import { METRIC_NAMES } from '../../src/metrics/accuracy.js';

/** A small KITTI-like folder pair whose predictions hold a NaN and an +Inf each. */
const kittiLike = (dir: string, n: number) => writeKittiPairs(dir, n, 96, 40, { nonFinite: true });

function tmp(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'depthkit-eval-'));
}

function debianPythonWithPil(): string | undefined {
  for (const py of ['/usr/bin/python3', 'python3']) {
    if (spawnSync(py, ['-c', 'import numpy, PIL'], { encoding: 'utf8' }).status === 0) return py;
  }
  return undefined;
}

test('eval --dataset kitti matches a plain numpy + PIL evaluation of the same files to 1e-6', async () => {
  const d = tmp();
  const { pred, gt } = await kittiLike(d, 4);
  const out = path.join(d, 'out');
  const r = depthkit(['eval', '--pred', pred, '--gt', gt, '--dataset', 'kitti', '--out', out, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const json = JSON.parse(r.stdout);
  assert.equal(json.summary.count, 4);
  const py = debianPythonWithPil();
  assert.ok(py, 'python3 with numpy and PIL is needed for the reference (apt-get install python3-pil python3-numpy)');
  const ref = JSON.parse(spawnSync(py, [path.join(ROOT, 'test/bench/eval_numpy.py'), pred, gt], { encoding: 'utf8' }).stdout);
  for (const m of METRIC_NAMES) {
    const rel = Math.abs(json.summary[m] - ref[m]) / Math.max(Math.abs(ref[m]), 1e-12);
    assert.ok(rel < 1e-6, `${m}: depthkit ${json.summary[m]} numpy ${ref[m]}`);
  }
  const perImage = await readCsv(path.join(out, 'per_image.csv'));
  assert.deepEqual(perImage.columns.slice(0, 11), ['name', ...METRIC_NAMES, 'valid_pixels']);
  assert.equal(perImage.rows.length, 4);
  const summary = await readCsv(path.join(out, 'summary.csv'));
  assert.deepEqual(summary.columns, ['count', ...METRIC_NAMES]);
  assert.equal(summary.meta?.crop, 'garg');
  assert.equal(summary.meta?.max_depth, 80);
  assert.equal(summary.meta?.gt_scale, 256);
});

test('a smaller prediction is an error naming the file, unless --pred-layout resize: then resized and counted', async () => {
  const d = tmp();
  const { pred, gt } = await kittiLike(d, 2);
  await writeNpy(path.join(pred, '000001.npy'), new Float32Array(48 * 20).fill(10), [20, 48]);
  const refused = depthkit(['eval', '--pred', pred, '--gt', gt, '--dataset', 'kitti', '--out', path.join(d, 'refused')]);
  assert.equal(refused.code, 2);
  assert.equal(refused.stderr.trim().split('\n').length, 1, refused.stderr);
  assert.match(refused.stderr, /000001\.npy: prediction is 48x20, its ground truth 96x40: pass --pred-layout resize/);
  const r = depthkit(['eval', '--pred', pred, '--gt', gt, '--dataset', 'kitti', '--pred-layout', 'resize', '--out', path.join(d, 'out')]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /1 prediction\(s\) resized \(bilinear\)/);
  const rows = (await readCsv(path.join(d, 'out', 'per_image.csv'))).rows;
  assert.deepEqual(rows.map((x) => x.resized), ['0', '1']);
});

/** Every bad input: exit non-zero, one line on stderr naming the culprit, and the earlier results left intact. */
test('bad input gives a one-line error naming the file and never touches earlier results', async () => {
  const d = tmp();
  const good = await kittiLike(d, 2);
  const out = path.join(d, 'out');
  assert.equal(depthkit(['eval', '--pred', good.pred, '--gt', good.gt, '--dataset', 'kitti', '--out', out]).code, 0);
  const before = readFileSync(path.join(out, 'summary.csv'), 'utf8');

  const bad = (name: string) => {
    const b = path.join(d, name);
    const made = { pred: path.join(b, 'pred'), gt: path.join(b, 'gt') };
    mkdirSync(made.pred, { recursive: true });
    mkdirSync(made.gt, { recursive: true });
    return made;
  };
  const cases: { what: string; args: () => Promise<string[]>; names: RegExp }[] = [
    { what: 'missing folder', args: async () => ['--pred', path.join(d, 'nope'), '--gt', good.gt], names: /nope/ },
    {
      what: 'no matching pairs',
      args: async () => {
        const b = bad('nomatch');
        await writeNpy(path.join(b.pred, 'a.npy'), new Float32Array(4), [2, 2]);
        return ['--pred', b.pred, '--gt', good.gt];
      },
      names: /nomatch/,
    },
    {
      what: 'corrupt PNG',
      args: async () => {
        const b = bad('corrupt');
        await writeNpy(path.join(b.pred, 'x.npy'), new Float32Array(4), [2, 2]);
        writeFileSync(path.join(b.gt, 'x.png'), Buffer.from('\x89PNG\r\n\x1a\nthis is not a png'));
        return ['--pred', b.pred, '--gt', b.gt];
      },
      names: /corrupt\/gt\/x\.png/,
    },
    {
      what: 'npy of the wrong dtype',
      args: async () => {
        const b = bad('dtype');
        const npy = Buffer.from(encodeNpy(new Float32Array(4), [2, 2]));
        npy.write("'<c8'", npy.indexOf("'<f4'"), 'latin1');
        writeFileSync(path.join(b.pred, '000000.npy'), npy);
        return ['--pred', b.pred, '--gt', good.gt];
      },
      names: /dtype\/pred\/000000\.npy/,
    },
    {
      what: 'npy of the wrong shape',
      args: async () => {
        const b = bad('shape');
        await writeNpy(path.join(b.pred, '000000.npy'), new Float32Array(24), [2, 3, 4]);
        return ['--pred', b.pred, '--gt', good.gt];
      },
      names: /shape\/pred\/000000\.npy.*\(2, 3, 4\)/,
    },
    {
      what: 'all-invalid ground truth',
      args: async () => {
        const b = bad('invalid');
        await writeNpy(path.join(b.pred, 'z.npy'), new Float32Array(96 * 40).fill(5), [40, 96]);
        await writePng16(path.join(b.gt, 'z.png'), new Uint16Array(96 * 40), 96, 40);
        return ['--pred', b.pred, '--gt', b.gt];
      },
      names: /invalid\/gt\/z\.png: ground truth has no valid pixel/,
    },
  ];
  for (const c of cases) {
    const r = depthkit(['eval', ...(await c.args()), '--dataset', 'kitti', '--out', out]);
    assert.notEqual(r.code, 0, `${c.what}: exit code`);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, `${c.what}: one line, got:\n${r.stderr}`);
    assert.match(lines[0], c.names, c.what);
    assert.equal(readFileSync(path.join(out, 'summary.csv'), 'utf8'), before, `${c.what}: earlier summary intact`);
  }

  // An --out below a regular file cannot be created.
  writeFileSync(path.join(d, 'afile'), 'x');
  const r = depthkit(['eval', '--pred', good.pred, '--gt', good.gt, '--dataset', 'kitti', '--out', path.join(d, 'afile', 'out')]);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr.trim(), /^depthkit: .*afile\/out: output folder is not writable \(ENOTDIR\)$/);
  assert.equal(existsSync(path.join(d, 'afile', 'out')), false);
});

test('--crop eigen without --dataset is refused with the reason', () => {
  const r = depthkit(['eval', '--pred', '.', '--gt', '.', '--crop', 'eigen']);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /--crop eigen differs between KITTI and NYU/);
});

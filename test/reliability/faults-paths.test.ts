import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs, existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DepthkitError } from '../../src/errors.js';
import { parseBtsSplit, parseMonodepthSplit, type SplitEntry } from '../../src/data/split.js';
import { rootGuard } from '../../src/io/safe-path.js';
import { pairByStem } from '../../src/data/pairs.js';
import { indexPredictions } from '../../src/data/predictions.js';
import { treeSource } from '../../src/data/source.js';
import { ensureWritableDir, writeFileAtomic } from '../../src/io/atomic.js';
import { writeDepthMap } from '../../src/io/depth-file.js';
import { writeNpy } from '../../src/io/npy.js';
import { writeEvalPlots } from '../../src/report/plots.js';
import { writeKittiPairs } from '../bench/fixtures.js';
import { evalRun } from '../helpers/report-fixtures.js';
import { writeSynth } from '../../src/synth/write.js';
import { startCli } from '../helpers/cli.js';

/*
 * Hostile paths (issue #12): split entries that climb out of the data folder, symlinks inside --data-path/--pred/--gt
 * that lead out of it (refused; links that stay inside are fine), and symlinks planted inside --out (never written
 * through; the --out folder itself may be a link the user chose).
 */
let tmp: string;
before(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'depthkit-faults-paths-'));
});
after(() => fs.rm(tmp, { recursive: true, force: true }));

const dir = (...parts: string[]) => {
  const d = path.join(tmp, ...parts);
  mkdirSync(d, { recursive: true });
  return d;
};

/** A one-line typed error whose message matches `re` (and names the file in `names`). */
async function refused(p: Promise<unknown>, re: RegExp, names?: string): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof DepthkitError, `not a DepthkitError: ${String(err)}`);
    assert.doesNotMatch(err.message, /\n/);
    assert.match(err.message, re);
    if (names) assert.ok(err.message.includes(names), `${err.message} does not name ${names}`);
    return true;
  });
}

/** depthkit's own error lines (tfjs and ffmpeg may print other lines to stderr). */
const errorLines = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('depthkit:'));

test('split-list entries that are absolute or climb with .. are refused, naming the list and the line', () => {
  const list = '/lists/test.txt';
  for (const line of ['../../etc/passwd.png a/gt.png 518.8', 'a/rgb.png /etc/shadow 518.8', 'a\\..\\..\\x.png a/gt.png', 'C:/x.png a/gt.png', '/abs/rgb.png None']) {
    assert.throws(() => parseBtsSplit(`ok/rgb.png ok/gt.png 1\n${line}\n`, list), (err: Error) => {
      assert.ok(err instanceof DepthkitError);
      assert.match(err.message, /^\/lists\/test\.txt: line 2: refusing the path '.*', which leaves the data folder/);
      return true;
    }, line);
  }
  assert.throws(() => parseMonodepthSplit('../../2011_09_26/drive_sync 5 l\n', list), /line 1: refusing the path '\.\.\/\.\.\/2011_09_26\/drive_sync'/);
  assert.throws(() => parseMonodepthSplit('/2011_09_26/drive_sync 5 l\n', list), /refusing the path/);
  // Names that merely contain dots stay allowed.
  assert.equal(parseBtsSplit('a..b/rgb.png a/..gt.png 1\n', list).entries.length, 1);
});

test('a symlink inside the data root is followed while it stays inside, refused when it leads out', async () => {
  const root = dir('guard', 'root');
  const outside = dir('guard', 'outside');
  writeFileSync(path.join(root, 'real.png'), 'x');
  writeFileSync(path.join(outside, 'secret.png'), 'x');
  mkdirSync(path.join(root, 'sub'));
  symlinkSync(path.join(root, 'real.png'), path.join(root, 'sub', 'inside-link.png'));
  symlinkSync('../real.png', path.join(root, 'sub', 'relative-link.png'));
  symlinkSync(path.join(outside, 'secret.png'), path.join(root, 'escape.png'));
  symlinkSync(outside, path.join(root, 'escape-dir'));
  symlinkSync(root, path.join(tmp, 'guard', 'root-link'));
  const guard = rootGuard(root);
  assert.equal(await guard.check(path.join(root, 'sub', 'inside-link.png')), path.join(root, 'sub', 'inside-link.png'));
  assert.equal(await guard.check(path.join(root, 'sub', 'relative-link.png')), path.join(root, 'sub', 'relative-link.png'));
  assert.equal(await guard.check(path.join(root, 'missing.png')), path.join(root, 'missing.png'));
  await refused(guard.check(path.join(root, 'escape.png')), /escape\.png: leads outside .* through a symlink/);
  await refused(guard.check(path.join(root, 'escape-dir', 'secret.png')), /escape-dir\/secret\.png: leads outside/);
  // The root itself may be a link (the user named it): what lies in its target is inside.
  const viaLink = rootGuard(path.join(tmp, 'guard', 'root-link'));
  assert.ok(await viaLink.check(path.join(tmp, 'guard', 'root-link', 'sub', 'inside-link.png')));
});

test('--pred/--gt folders: a prediction or ground truth linked from outside the folder is refused', async () => {
  const { pred, gt } = await writeKittiPairs(dir('pairs'), 2, 24, 8);
  const elsewhere = dir('pairs-elsewhere');
  await writeNpy(path.join(elsewhere, '000009.npy'), new Float32Array(24 * 8).fill(3), [8, 24]);
  // Inside links are fine: 000005 -> 000000 in the same folder.
  symlinkSync(path.join(pred, '000000.npy'), path.join(pred, '000005.npy'));
  symlinkSync(path.join(gt, '000000.png'), path.join(gt, '000005.png'));
  assert.deepEqual((await pairByStem(pred, gt)).pairs.map((p) => p.name), ['000000', '000001', '000005']);
  symlinkSync(path.join(elsewhere, '000009.npy'), path.join(pred, '000009.npy'));
  await refused(pairByStem(pred, gt), /000009\.npy: leads outside .*pred/);
  const entries: SplitEntry[] = [{ name: 'x_000009', rgb: 'x/000009.png', gt: 'y/000009.png' }];
  await refused(indexPredictions(pred, entries), /000009\.npy: leads outside/);
});

test('--data-path/--gt-path trees: an entry reached through a link out of the tree is refused before any work', async () => {
  const data = dir('tree', 'data');
  const gtRoot = dir('tree', 'gt');
  const outside = dir('tree', 'outside', 'bathroom');
  writeFileSync(path.join(outside, 'sync_depth_00045.png'), 'not read');
  symlinkSync(outside, path.join(gtRoot, 'bathroom'));
  const entry: SplitEntry = { name: 'bathroom_rgb_00045', rgb: 'bathroom/rgb_00045.jpg', gt: 'bathroom/sync_depth_00045.png' };
  const source = treeSource(data, gtRoot, 1000);
  await refused(source.missingFiles(entry, false), /bathroom\/sync_depth_00045\.png: leads outside .*tree\/gt/);
  await refused(source.readGt(entry), /leads outside/);
});

test('outputs: a symlinked sub-folder or file planted inside --out is refused, the --out link itself is allowed', async () => {
  const elsewhere = dir('out-elsewhere');
  const realOut = dir('out-real');
  const outLink = path.join(tmp, 'out-link');
  symlinkSync(realOut, outLink);
  // The user's own --out may be a link.
  await ensureWritableDir(outLink);
  await writeFileAtomic(path.join(outLink, 'summary.csv'), 'a\n1\n');
  assert.equal(readFileSync(path.join(realOut, 'summary.csv'), 'utf8'), 'a\n1\n');
  // out/depth -> elsewhere, as runVideo creates it (ensureWritableDir of the sub-folder) and writes depth maps.
  symlinkSync(elsewhere, path.join(realOut, 'depth'));
  await refused(ensureWritableDir(path.join(outLink, 'depth')), /depth: is a symlink inside the output folder .*; refusing to write through it/);
  const map = { data: new Float32Array(4).fill(1), width: 2, height: 2 };
  await refused(writeDepthMap(path.join(outLink, 'depth', '000000.npy'), map, 'npy'), /depth: is a symlink inside the output folder/);
  // A deeper planted link, and a planted file link.
  mkdirSync(path.join(realOut, 'a'));
  symlinkSync(elsewhere, path.join(realOut, 'a', 'b'));
  await refused(writeFileAtomic(path.join(outLink, 'a', 'b', 'x.csv'), 'x'), /a\/b: is a symlink inside the output folder/);
  await refused(ensureWritableDir(path.join(outLink, 'a', 'b', 'c')), /a\/b: is a symlink/);
  writeFileSync(path.join(elsewhere, 'victim.csv'), 'keep\n');
  symlinkSync(path.join(elsewhere, 'victim.csv'), path.join(realOut, 'frames.csv'));
  await refused(writeFileAtomic(path.join(outLink, 'frames.csv'), 'x'), /frames\.csv: is a symlink; refusing to replace it/);
  assert.deepEqual(readdirSync(elsewhere), ['victim.csv']);
  assert.equal(readFileSync(path.join(elsewhere, 'victim.csv'), 'utf8'), 'keep\n');
  assert.deepEqual(readdirSync(realOut).filter((n) => n.includes('.tmp-')), []);
});

test('eval plots: out/plots planted as a link is refused and nothing is written where it points', async () => {
  const run = await evalRun(dir('plots-run'), { n: 3 });
  const elsewhere = dir('plots-elsewhere');
  symlinkSync(elsewhere, path.join(run, 'plots'));
  await refused(writeEvalPlots(run), /plots: is a symlink inside the output folder/);
  assert.deepEqual(readdirSync(elsewhere), []);
});

interface CliCase {
  name: string;
  args: string[];
  check(r: { code: number | null; stderr: string; stdout: string }): void | Promise<void>;
}

test('eval, video and report from the command line: planted links refused with one line, nothing written through them', async () => {
  const { pred, gt } = await writeKittiPairs(dir('cli', 'k'), 2, 48, 16);
  const synth = await writeSynth(dir('cli', 's'), { scene: 'room', frames: 6, width: 32, height: 24, fps: 6, fov: 70, seed: 3, motion: 'pan', saveFrames: false });
  const elsewhere = (name: string) => dir('cli', 'elsewhere', name);
  const plant = (out: string, sub: string) => {
    mkdirSync(out, { recursive: true });
    symlinkSync(elsewhere(path.basename(out)), path.join(out, sub));
  };
  // eval: out/strips planted (written first), video: out/plots planted.
  const evalStrips = path.join(tmp, 'cli', 'eval-strips');
  plant(evalStrips, 'strips');
  const videoPlots = path.join(tmp, 'cli', 'video-plots');
  plant(videoPlots, 'plots');
  // eval --pred holding a link to a file outside it.
  const hostilePred = dir('cli', 'pred-hostile');
  await fs.cp(pred, hostilePred, { recursive: true });
  await fs.rm(path.join(hostilePred, '000001.npy'));
  symlinkSync(path.join(pred, '000001.npy'), path.join(hostilePred, '000001.npy'));
  // A run folder whose report.html is a link to a file elsewhere; the user's --out is itself a link (allowed).
  const goodOut = dir('cli', 'good-real');
  const goodLink = path.join(tmp, 'cli', 'good-link');
  symlinkSync(goodOut, goodLink);
  const victim = path.join(elsewhere('report'), 'victim.html');
  writeFileSync(victim, 'keep');

  const oneLine = (r: { code: number | null; stderr: string }, code: number, re: RegExp) => {
    assert.equal(r.code, code, r.stderr);
    const lines = errorLines(r.stderr);
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0], re);
    assert.doesNotMatch(r.stderr, /^\s+at /m, 'no stack trace');
  };
  const cases: CliCase[] = [
    {
      name: 'eval, out/strips planted',
      args: ['eval', '--pred', pred, '--gt', gt, '--dataset', 'kitti', '--out', evalStrips],
      check: (r) => {
        oneLine(r, 1, /eval-strips\/strips: is a symlink inside the output folder .*eval-strips; refusing to write through it$/);
        assert.deepEqual(readdirSync(elsewhere('eval-strips')), []);
      },
    },
    {
      name: 'video, out/plots planted',
      args: ['video', synth.video, '--depth', `gt=${synth.depth}`, '--depth-scale', '1000', '--out', videoPlots],
      check: (r) => {
        oneLine(r, 1, /video-plots\/plots: is a symlink inside the output folder/);
        assert.deepEqual(readdirSync(elsewhere('video-plots')), []);
      },
    },
    {
      name: 'eval, --pred holds a link leading out of it',
      args: ['eval', '--pred', hostilePred, '--gt', gt, '--dataset', 'kitti', '--out', path.join(tmp, 'cli', 'hostile-out')],
      check: (r) => {
        oneLine(r, 2, /pred-hostile\/000001\.npy: leads outside .*pred-hostile .* through a symlink; refusing to read it$/);
        assert.equal(existsSync(path.join(tmp, 'cli', 'hostile-out', 'per_image.csv')), false);
      },
    },
    {
      name: 'eval into a --out that is itself a link',
      args: ['eval', '--pred', pred, '--gt', gt, '--dataset', 'kitti', '--out', goodLink, '--no-plots'],
      check: (r) => {
        assert.equal(r.code, 0, r.stderr);
        assert.ok(existsSync(path.join(goodOut, 'per_image.csv')));
      },
    },
  ];
  const runAll = (list: CliCase[]) => Promise.all(list.map(async (c) => {
    const r = await startCli(c.args).done;
    await c.check(r);
  }));
  await runAll(cases);
  // report reads the run written through the --out link, and must not replace a planted report.html link.
  symlinkSync(victim, path.join(goodOut, 'report.html'));
  await runAll([{
    name: 'report, report.html planted',
    args: ['report', goodLink],
    check: (r) => {
      oneLine(r, 1, /good-link\/report\.html: is a symlink; refusing to replace it$/);
      assert.equal(readFileSync(victim, 'utf8'), 'keep');
    },
  }]);
});

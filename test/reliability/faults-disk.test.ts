import { test, before, after, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { promises as fs, chmodSync, closeSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { DepthkitError } from '../../src/errors.js';
import { ensureWritableDir, removeStaleTemps, writeFileAtomic, writeFilesAtomic } from '../../src/io/atomic.js';
import { readCsv } from '../../src/io/csv.js';
import { readSafetensors } from '../../src/io/safetensors.js';
import { readCheckpoint } from '../../src/model/checkpoint.js';
import { writeRandomClip } from '../../src/model/random-clip.js';
import { writeSynth } from '../../src/synth/write.js';
import { probeVideo } from '../../src/video/decode.js';
import { writeKittiPairs } from '../bench/fixtures.js';
import { ROOT, startCli, type CliResult } from '../helpers/cli.js';
import { listOutputs } from '../helpers/crash.js';

/*
 * Disk full, permission denied and read-only outputs (issue #12). Every command is first run to completion; a
 * second run with other settings (so that any file it managed to replace would differ) then hits the fault. It must
 * stop with one line naming the file and the cause, exit non-zero, and leave the earlier results: byte-identical
 * when the very first write fails, otherwise every file either the old bytes or a complete, valid new file, and no
 * temp file behind. Three ways to get the fault: a real full tmpfs (ENOSPC, needs root to mount), injection at the
 * write layer (test/helpers/write-fault.ts), and a real EACCES (as user nobody, when we run as root).
 */
const WRITE_FAULT = path.join(ROOT, 'test', 'helpers', 'write-fault.ts');
const NOBODY = 65534;
const isRoot = process.getuid?.() === 0;

let tmp: string;
let mounted: string | undefined;
let mountProblem = '';

type Cmd = 'eval' | 'video' | 'train';
/** The first (baseline) and the second (faulty) run of each command, `out` filled in. */
let argv: Record<Cmd, { first: (out: string) => string[]; second: (out: string) => string[] }>;
const baseline = {} as Record<Cmd, string>;

interface RunOpts {
  env?: NodeJS.ProcessEnv;
  uid?: number;
}

/** depthkit from the sources, optionally with the fault preload and as another user. */
function run(args: string[], o: RunOpts = {}): Promise<CliResult> {
  const env = { ...process.env, ...o.env };
  return startCli(args, { env, uid: o.uid, detached: false, preload: env.DEPTHKIT_FAULT_DIR ? [WRITE_FAULT] : [] }).done;
}

const snapshot = async (dir: string) => new Map(await Promise.all(listOutputs(dir).files.map(async (f) => [f, await fs.readFile(path.join(dir, f))] as const)));

/** A complete file of its kind: CSVs parse (with their sidecar), JSON parses, PNGs and the mp4 decode, checkpoints load. */
async function assertValid(file: string): Promise<void> {
  if (file.endsWith('.csv')) await readCsv(file);
  else if (file.endsWith('.json')) JSON.parse(await fs.readFile(file, 'utf8'));
  else if (file.endsWith('.png')) await sharp(file).raw().toBuffer();
  else if (file.endsWith('.mp4')) assert.ok((await probeVideo(file)).frameCount > 0, file);
  else if (file.endsWith('optim.safetensors')) readSafetensors(file);
  else if (file.endsWith('.safetensors')) readCheckpoint(file);
  else assert.fail(`unexpected output ${file}`);
}

interface Outcome {
  unchanged: number;
  replaced: number;
  added: number;
}

/**
 * The folder after a failed run: no temp file left, every earlier file still there and either byte-identical or
 * (unless `intact`) a complete valid file, new files valid.
 */
async function checkOutputs(dir: string, before: Map<string, Buffer>, intact: boolean): Promise<Outcome> {
  const { files, temps } = listOutputs(dir);
  assert.deepEqual(temps, [], `temp files left in ${dir}`);
  const outcome: Outcome = { unchanged: 0, replaced: 0, added: 0 };
  for (const f of before.keys()) assert.ok(files.includes(f), `${f} was removed`);
  for (const f of files) {
    const old = before.get(f);
    const now = await fs.readFile(path.join(dir, f));
    if (old?.equals(now)) {
      outcome.unchanged++;
      continue;
    }
    assert.ok(!intact, `${f} changed although the first write failed`);
    await assertValid(path.join(dir, f));
    if (old) outcome.replaced++;
    else outcome.added++;
  }
  return outcome;
}

/** Exactly one line of depthkit's, matching `re`; no stack trace; a non-zero exit. */
function assertOneLineError(r: CliResult, re: RegExp): string {
  assert.notEqual(r.code, 0, r.stderr);
  assert.notEqual(r.code, null, r.stderr);
  const lines = r.stderr.split('\n').filter((l) => l.startsWith('depthkit:'));
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0], re);
  assert.doesNotMatch(r.stderr, /^\s+at /m, `stack trace in\n${r.stderr}`);
  return lines[0];
}

/** Copies a command's baseline output folder to `out` (the "earlier results" a faulty run must not spoil). */
async function seed(cmd: Cmd, out: string): Promise<Map<string, Buffer>> {
  await fs.cp(baseline[cmd], out, { recursive: true });
  return snapshot(out);
}

before(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'depthkit-faults-disk-'));
  chmodSync(tmp, 0o755); // user nobody reads the fixtures
  const { pred, gt } = await writeKittiPairs(path.join(tmp, 'k'), 3, 48, 16);
  const synth = await writeSynth(path.join(tmp, 's'), { scene: 'room', frames: 6, width: 32, height: 24, fps: 6, fov: 70, seed: 2, motion: 'pan', saveFrames: true });
  const clip = path.join(tmp, 'clip.safetensors');
  await writeRandomClip(clip, 'tiny', 1);
  const train = (out: string, seedValue: number) => ['train', '--data', synth.train!, '--clip', clip, '--init', '--input-size', '32x24', '--decoder-channels', '32,32,16,16',
    '--steps', '2', '--batch-size', '2', '--backend', 'cpu', '--cache-features', '--seed', String(seedValue), '--out', out];
  argv = {
    eval: {
      first: (out) => ['eval', '--pred', pred, '--gt', gt, '--dataset', 'kitti', '--out', out],
      second: (out) => ['eval', '--pred', pred, '--gt', gt, '--dataset', 'kitti', '--max-depth', '40', '--out', out],
    },
    video: {
      first: (out) => ['video', synth.video, '--depth', `gt=${synth.depth}`, '--depth-scale', '1000', '--out', out],
      second: (out) => ['video', synth.video, '--depth', `gt=${synth.depth}`, '--depth-scale', '1000', '--stride', '2', '--out', out],
    },
    train: { first: (out) => train(out, 0), second: (out) => train(out, 1) },
  };
  await Promise.all((['eval', 'video', 'train'] as const).map(async (cmd) => {
    baseline[cmd] = path.join(tmp, `baseline-${cmd}`);
    const r = await run(argv[cmd].first(baseline[cmd]));
    assert.equal(r.code, 0, `${cmd} baseline: ${r.stderr}`);
  }));

  const mnt = path.join(tmp, 'tmpfs');
  mkdirSync(mnt);
  const m = isRoot ? spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', mnt], { encoding: 'utf8' }) : undefined;
  if (m?.status === 0) mounted = mnt;
  else mountProblem = m ? `mount -t tmpfs failed: ${(m.stderr || m.error?.message || '').trim()}` : 'not root: cannot mount a tmpfs';
});

after(async () => {
  if (mounted) spawnSync('umount', [mounted]);
  await fs.rm(tmp, { recursive: true, force: true });
});

test('writeFileAtomic on a full disk: one-line ENOSPC error naming the file, old content kept, no temp file', async (t: TestContext) => {
  if (!mounted) return t.skip(mountProblem);
  const dir = path.join(mounted, 'unit');
  await ensureWritableDir(dir);
  const file = path.join(dir, 'per_image.csv');
  await writeFileAtomic(file, 'old\n');
  const big = new Uint8Array(4 * 1024 * 1024);
  await assert.rejects(writeFileAtomic(file, big), (err: unknown) => {
    assert.ok(err instanceof DepthkitError);
    assert.equal(err.message, `${file}: cannot write, no space left on device (ENOSPC)`);
    assert.equal(err.exitCode, 1);
    return true;
  });
  // A set of files fails as a whole: the small one that fitted is not renamed into place either.
  await assert.rejects(writeFilesAtomic([{ file, data: 'new\n' }, { file: path.join(dir, 'summary.csv'), data: big }]), /summary\.csv: cannot write, no space left/);
  assert.equal(readFileSync(file, 'utf8'), 'old\n');
  assert.deepEqual(listOutputs(dir), { files: ['per_image.csv'], temps: [] });
  await fs.rm(dir, { recursive: true });
});

test('ensureWritableDir removes only the stale temp files of dead writers: never live ones, links or folders', async () => {
  const dir = path.join(tmp, 'stale');
  const elsewhere = path.join(tmp, 'stale-elsewhere');
  mkdirSync(dir);
  mkdirSync(elsewhere);
  const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  const deadPid = Number(dead.stdout);
  assert.ok(deadPid > 0);
  const names = {
    staleCsv: `.per_image.csv.tmp-${deadPid}-0123abcd`,
    staleMp4: `.preview.mp4.tmp-${deadPid}-deadbeef`,
    live: `.summary.csv.tmp-${process.pid}-0123abcd`,
    parentLive: `.run.json.tmp-${process.ppid}-0123abcd`,
    link: `.frames.csv.tmp-${deadPid}-0123abcd`,
    folder: `.plots.tmp-${deadPid}-0123abcd`,
    notOurs: `per_image.csv.tmp-${deadPid}-0123abcd`,
    shortHex: `.a.csv.tmp-${deadPid}-0123`,
  };
  for (const n of [names.staleCsv, names.staleMp4, names.live, names.parentLive, names.notOurs, names.shortHex]) await fs.writeFile(path.join(dir, n), 'partial');
  await fs.writeFile(path.join(elsewhere, 'victim'), 'keep');
  await fs.symlink(path.join(elsewhere, 'victim'), path.join(dir, names.link));
  mkdirSync(path.join(dir, names.folder));
  await ensureWritableDir(dir);
  const left = (await fs.readdir(dir)).sort();
  assert.deepEqual(left, [names.live, names.parentLive, names.link, names.folder, names.notOurs, names.shortHex].sort());
  assert.equal(readFileSync(path.join(elsewhere, 'victim'), 'utf8'), 'keep');
  assert.deepEqual(await removeStaleTemps(dir), []);
});

test('a real full disk (tmpfs): eval, video and train stop with one ENOSPC line; earlier results byte-identical', async (t: TestContext) => {
  if (!mounted) return t.skip(mountProblem);
  const cmds = ['eval', 'video', 'train'] as const;
  const before = new Map<Cmd, Map<string, Buffer>>();
  for (const cmd of cmds) before.set(cmd, await seed(cmd, path.join(mounted, cmd)));
  // Fill what is left, so that the next write of any size fails.
  const fd = openSync(path.join(mounted, 'filler'), 'w');
  const chunk = Buffer.alloc(16 * 1024, 1);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (err) {
    assert.equal((err as NodeJS.ErrnoException).code, 'ENOSPC');
  }
  try {
    for (;;) writeSync(fd, chunk, 0, 1);
  } catch {
    // the last partial block is full too
  }
  closeSync(fd);
  await Promise.all(cmds.map(async (cmd) => {
    const out = path.join(mounted!, cmd);
    const r = await run(argv[cmd].second(out));
    const line = assertOneLineError(r, /: cannot write( video)?, no space left on device \(ENOSPC\)$/);
    assert.ok(line.includes(mounted!), `${cmd}: the error names no file of the output folder: ${line}`);
    await checkOutputs(out, before.get(cmd)!, true);
    t.diagnostic(`${cmd}: ${line.replace(tmp, '<tmp>')}`);
  }));
});

interface Injection {
  cmd: Cmd;
  code: 'ENOSPC' | 'EACCES' | 'EROFS';
  /** Bytes written under the output folder before the fault: 0 = the first write fails. */
  after: number;
  re: RegExp;
}

test('injected at the write layer: ENOSPC, EACCES and EROFS, at the first write and mid-run, in eval, video and train', async (t: TestContext) => {
  const cases: Injection[] = [
    { cmd: 'eval', code: 'ENOSPC', after: 0, re: /: cannot write, no space left on device \(ENOSPC\)$/ },
    { cmd: 'eval', code: 'EACCES', after: 2000, re: /: cannot write, permission denied \(EACCES\)$/ },
    // A video run's first write is the spool of frames.csv (the frame log opens it before the first frame).
    { cmd: 'video', code: 'EROFS', after: 0, re: /frames\.csv: cannot write, read-only file system \(EROFS\)$/ },
    { cmd: 'video', code: 'ENOSPC', after: 2000, re: /: cannot write, no space left on device \(ENOSPC\)$/ },
    { cmd: 'train', code: 'ENOSPC', after: 0, re: /: cannot write, no space left on device \(ENOSPC\)$/ },
    { cmd: 'train', code: 'EACCES', after: 2000, re: /: cannot write, permission denied \(EACCES\)$/ },
  ];
  await Promise.all(cases.map(async (c) => {
    const out = path.join(tmp, `inject-${c.cmd}-${c.code}-${c.after}`);
    const before = await seed(c.cmd, out);
    const r = await run(argv[c.cmd].second(out), { env: { DEPTHKIT_FAULT_DIR: out, DEPTHKIT_FAULT_CODE: c.code, DEPTHKIT_FAULT_AFTER: String(c.after) } });
    const line = assertOneLineError(r, c.re);
    assert.ok(line.startsWith(`depthkit: ${out}/`), `${c.cmd}: the error names no file of the output folder: ${line}`);
    const o = await checkOutputs(out, before, c.after === 0);
    t.diagnostic(`${c.cmd} ${c.code} after ${c.after} B: unchanged ${o.unchanged}, replaced ${o.replaced}, added ${o.added}; ${line.replace(out, '<out>')}`);
  }));
});

/** Whether user nobody can start depthkit from this checkout (a clone under a 0700 home folder cannot). */
function nobodyCanRun(): boolean {
  const probe = `require('node:fs').accessSync(${JSON.stringify(path.join(ROOT, 'bin', 'dev.js'))}, require('node:fs').constants.R_OK)`;
  return spawnSync(process.execPath, ['-e', probe], { cwd: ROOT, uid: NOBODY, gid: NOBODY }).status === 0;
}

test('a real EACCES (user nobody, root-owned output folders): one line, earlier results byte-identical', async (t: TestContext) => {
  if (isRoot && !nobodyCanRun()) {
    t.skip(`user nobody cannot read ${ROOT}; the injected EACCES cases above cover the write path`);
    return;
  }
  if (!isRoot) {
    // Without root the same fault comes from a read-only mode bit.
    const out = path.join(tmp, 'eacces-eval');
    const before = await seed('eval', out);
    chmodSync(out, 0o555);
    const r = await run(argv.eval.second(out));
    chmodSync(out, 0o755);
    assertOneLineError(r, /output folder is not writable \(EACCES\)$/);
    await checkOutputs(out, before, true);
    return;
  }
  // video and train check their folder with the same ensureWritableDir as eval; the second case is a folder the run
  // may write into while its sub-folders (strips/, plots/) stay root's: the run must refuse before replacing the
  // results beside it, not when it reaches the strips.
  const cases: { cmd: Cmd; out: string; sub?: string }[] = [
    { cmd: 'eval', out: path.join(tmp, 'nobody-eval') },
    { cmd: 'eval', out: path.join(tmp, 'nobody-eval-strips'), sub: 'strips' },
  ];
  await Promise.all(cases.map(async (c) => {
    const before = await seed(c.cmd, c.out);
    if (c.sub) await fs.chmod(c.out, 0o777);
    const r = await run(argv[c.cmd].second(c.out), { uid: NOBODY, env: { HOME: tmp } });
    const line = assertOneLineError(r, c.sub ? /\/(strips|plots): output folder is not writable \(EACCES\)$/ : new RegExp(`^depthkit: ${c.out}: output folder is not writable \\(EACCES\\)$`));
    const o = await checkOutputs(c.out, before, true);
    t.diagnostic(`${c.cmd} as nobody${c.sub ? ` (${c.sub}/ root's)` : ''}: unchanged ${o.unchanged}, replaced ${o.replaced}, added ${o.added}; ${line.replace(c.out, '<out>')}`);
  }));
});

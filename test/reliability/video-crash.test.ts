import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readCsv } from '../../src/io/csv.js';
import { loadDepthModel } from '../../src/model/engine.js';
import { writeSynth } from '../../src/synth/write.js';
import { mulberry32 } from '../../src/util/random.js';
import { depthkit, startCli, type RunningCli } from '../helpers/cli.js';
import { listOutputs } from '../helpers/crash.js';
import { TINY_CKPT, TINY_CLIP } from '../helpers/model-reference.js';
import { checkVideoFolder, decodedFrames, type VideoFolderSpec } from '../helpers/video-outputs.js';

/*
 * Crash harness for `depthkit video`: SIGKILL (whole process group) at 20 seeded moments spread over one
 * uninterrupted run measured here, from before anything is written to the final writes. The trials come in pairs on
 * one folder: a fresh run is killed, then its `--resume` rerun is killed too; after each kill every file is absent
 * or complete and valid, and a last `--resume` completes to CSVs byte-identical to the uninterrupted run's.
 */
const FRAMES = 10;
const TRIALS = 20;
const SEED = 0x5eed18;

let tmp: string;
let args: (out: string) => string[];
let env: NodeJS.ProcessEnv;

before(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'depthkit-video-crash-'));
  const synth = await writeSynth(path.join(tmp, 's'), { scene: 'room', frames: FRAMES, width: 64, height: 48, fps: 10, fov: 70, seed: 3, motion: 'pan', saveFrames: false });
  // The model (saving depth/ PNGs that --resume reads back) beside a file source, with ground truth.
  args = (out) => ['video', synth.video, '--checkpoint', TINY_CKPT, '--clip', TINY_CLIP, '--backend', 'onnx', '--depth', `gt=${synth.depth}`, '--depth-scale', '1000', '--gt', synth.depth, '--out', out, '--verbose'];
  env = { DEPTHKIT_CACHE: path.join(tmp, 'cache') };
  // The ONNX graph is exported once here, so that no run of the harness spends its time (or dies) building it.
  const model = await loadDepthModel({ checkpoint: TINY_CKPT, clip: TINY_CLIP, backend: 'onnx', cacheDir: path.join(tmp, 'cache', 'onnx') });
  await model.dispose();
});
after(() => rmSync(tmp, { recursive: true, force: true, maxRetries: 5 }));

/** Progress lines of a --verbose run, in the order every run prints them: engine, ONNX graph, each frame done. */
const ANCHOR = /^(engine:|onnx:|frame \d+ done)/;

interface Anchor {
  line: number;
  ms: number;
}

/** Calls `onLine(k)` when the k-th progress line of the run appears on stderr. */
function onProgress(run: RunningCli, onLine: (k: number) => void): void {
  let text = '';
  let seen = 0;
  run.child.stderr!.on('data', (s: string) => {
    text += s;
    const lines = text.split('\n');
    text = lines.pop()!;
    for (const l of lines) if (ANCHOR.test(l)) onLine(++seen);
  });
}

/** Runs to completion, timing each progress line (anchor 0 is the spawn) and the exit. */
async function timedRun(out: string): Promise<{ anchors: Anchor[]; totalMs: number }> {
  const t0 = performance.now();
  const anchors: Anchor[] = [{ line: 0, ms: 0 }];
  const run = startCli(args(out), { env });
  onProgress(run, (line) => anchors.push({ line, ms: performance.now() - t0 }));
  const r = await run.done;
  assert.equal(r.code, 0, r.stderr);
  return { anchors, totalMs: performance.now() - t0 };
}

/**
 * SIGKILLs the run at moment `ms` of the reference run's timeline, counted from the progress line that preceded it
 * there: a loaded machine slows every run alike, so the kill still lands in the same phase (before the model,
 * between frames k and k+1, in the final writes) as it would have in the reference run.
 */
function killAt(run: RunningCli, anchors: Anchor[], ms: number): () => void {
  const anchor = anchors.filter((a) => a.ms <= ms).at(-1)!;
  let timer: NodeJS.Timeout | undefined;
  const arm = () => (timer = setTimeout(() => run.kill('SIGKILL'), ms - anchor.ms));
  if (anchor.line === 0) arm();
  else onProgress(run, (k) => k === anchor.line && arm());
  return () => clearTimeout(timer);
}

/**
 * Where a kill landed, read from what this run wrote (files modified since it started; a resumed run reads the
 * depth maps already saved without rewriting them).
 */
function landing(out: string, since: number, code: number | null, left: { files: string[]; temps: string[] }): string {
  if (code === 0) return 'after completion';
  const fresh = (rel: string) => statSync(path.join(out, rel)).mtimeMs >= since;
  const files = left.files.filter(fresh);
  const temps = left.temps.filter(fresh);
  const final = /^(frames\.csv|summary\.csv|preview\.mp4|run\.json|plots\/)/;
  if (files.some((f) => final.test(f)) || temps.some((t) => /^(\.summary\.csv|\.run\.json|plots\/)/.test(t))) return 'final writes';
  return files.length + temps.length === 0 ? 'before any output' : 'mid-run';
}

const bytes = (dir: string, rel: string) => readFileSync(path.join(dir, rel));

/** run.json without what legitimately differs between runs: wall-clock times and the command line (--resume). */
function runRecord(dir: string): unknown {
  const { started: _s, finished: _f, command: _c, options, ...rest } = JSON.parse(bytes(dir, 'run.json').toString());
  const { resume: _r, ...opts } = options;
  return { ...rest, options: opts };
}

test(`SIGKILL at ${TRIALS} seeded moments: every file absent or valid, --resume gives the uninterrupted CSVs`, async (t) => {
  const refOut = path.join(tmp, 'ref');
  const { anchors, totalMs } = await timedRun(refOut);
  const { files: refFiles, temps: refTemps } = listOutputs(refOut);
  assert.deepEqual(refTemps, []);
  const [frameTable, summaryTable] = await Promise.all([readCsv(path.join(refOut, 'frames.csv')), readCsv(path.join(refOut, 'summary.csv'))]);
  const spec: VideoFolderSpec = { frameColumns: frameTable.columns, summaryColumns: summaryTable.columns, models: ['model', 'gt'], width: 64, height: 48 };
  assert.equal((await checkVideoFolder(refOut, spec)).frames, FRAMES);
  assert.equal(refFiles.filter((f) => f.startsWith('depth/')).length, FRAMES);

  // Kill moments: uniform from the model load (the output folder exists, nothing is in it yet) to the exit.
  const lo = anchors[1].ms;
  const hi = totalMs;
  const frameMs = anchors.filter((a) => a.line > 2).map((a) => (a.ms / 1000).toFixed(1));
  t.diagnostic(`uninterrupted run: model loading at ${(lo / 1000).toFixed(1)} s, frames done at ${frameMs.join(' ')} s, exit at ${(totalMs / 1000).toFixed(1)} s`);
  const random = mulberry32(SEED);
  const landed = new Map<string, number>();
  let staleTemps = 0;
  for (let trial = 0; trial < TRIALS; trial++) {
    const out = path.join(tmp, `kill-${Math.floor(trial / 2)}`);
    const resume = trial % 2 === 1 ? ['--resume'] : [];
    const at = lo + random() * (hi - lo);
    const since = Date.now();
    const run = startCli([...args(out), ...resume], { env });
    const disarm = killAt(run, anchors, at);
    const r = await run.done;
    disarm();
    assert.ok(r.code === 0 || r.signal === 'SIGKILL', `trial ${trial}: ended by ${r.signal ?? `exit ${r.code}`}: ${r.stderr}`);

    // Nothing but complete files. A SIGKILLed run writes its CSVs only once every frame is done, so any file that
    // counts frames counts them all, and every CSV and depth map equals the uninterrupted run's.
    const left = await checkVideoFolder(out, spec);
    assert.ok(left.frames === undefined || left.frames === FRAMES, `trial ${trial}: ${left.frames} frames`);
    for (const rel of left.files.filter((f) => /\.(csv|meta\.json)$/.test(f) || f.startsWith('depth/'))) {
      assert.ok(bytes(out, rel).equals(bytes(refOut, rel)), `trial ${trial}: ${rel} differs from the uninterrupted run's`);
    }
    const where = landing(out, since, r.code, left);
    landed.set(where, (landed.get(where) ?? 0) + 1);
    t.diagnostic(`trial ${trial}${resume.length ? ' (--resume)' : ''}: kill at ${(at / 1000).toFixed(1)} s: ${where} (${left.files.length} files, ${left.temps.length} temp files)`);
    if (resume.length === 0) continue;

    const resumed = depthkit([...args(out), '--resume'], { env });
    assert.equal(resumed.code, 0, `trial ${trial}: --resume: ${resumed.stderr}`);
    const after = await checkVideoFolder(out, spec);
    assert.deepEqual(after.files, refFiles, `trial ${trial}: the resumed folder holds the uninterrupted run's files`);
    for (const rel of refFiles.filter((f) => /\.(csv|meta\.json)$/.test(f) || f.startsWith('depth/'))) {
      assert.ok(bytes(out, rel).equals(bytes(refOut, rel)), `trial ${trial}: resumed ${rel} differs from the uninterrupted run's`);
    }
    assert.deepEqual(runRecord(out), runRecord(refOut), `trial ${trial}: run.json (times and command excluded)`);
    assert.equal(decodedFrames(path.join(out, 'preview.mp4')), FRAMES);
    staleTemps += after.temps.length;
    rmSync(out, { recursive: true, force: true, maxRetries: 5 });
  }
  t.diagnostic(`landed: ${[...landed].map(([w, n]) => `${w} ${n}`).join(', ')}; ${TRIALS / 2} folders resumed to the end, ${staleTemps} stale temp files left after them`);
  assert.ok((landed.get('mid-run') ?? 0) > 0, 'some kills land mid-run');
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, cpSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { readCheckpoint } from '../../src/model/checkpoint.js';
import { nextOptimPath, readCommittedPair } from '../../src/train/checkpoint-pair.js';
import { optimPath } from '../../src/train/optim-file.js';
import { runTraining } from '../../src/train/run-training.js';
import { CHECKPOINT_NAME } from '../../src/train/trainer.js';
import { mulberry32 } from '../../src/util/random.js';
import { depthkit, startCli } from '../helpers/cli.js';
import { listOutputs } from '../helpers/crash.js';
import { checkOutputs, cliArgs, makeTrainFixture, outcome, request, sleep, STEPS, whenReady } from '../helpers/train-run.js';

const fx = await makeTrainFixture('dk-train-crash-');
const hasOutput = (dir: string) => {
  const { files, temps } = listOutputs(dir);
  return files.length + temps.length > 0;
};

// One uninterrupted CLI run: the reference result, and the timings the kills are placed by.
const refDir = path.join(fx.tmp, 'ref');
const t0 = performance.now();
const ref = startCli(cliArgs(fx, refDir, 'init'));
await whenReady(ref, () => hasOutput(refDir));
const firstOutputMs = performance.now() - t0;
const refRun = await ref.done;
const endMs = performance.now() - t0;
assert.equal(refRun.code, 0, refRun.stderr);
const REF = await outcome(refDir);
const PARAMS = readCheckpoint(path.join(refDir, CHECKPOINT_NAME)).tensors;

test('a save cut short before or after its commit point resumes to the uninterrupted result', async () => {
  const at = (dir: string) => path.join(fx.tmp, dir, CHECKPOINT_NAME);
  await runTraining(request(fx, path.join(fx.tmp, 'cut-4'), 'init', { stopAfter: 4 }));
  cpSync(path.join(fx.tmp, 'cut-4'), path.join(fx.tmp, 'cut-8'), { recursive: true });
  await runTraining(request(fx, path.join(fx.tmp, 'cut-8'), 'resume', { stopAfter: 4 }));
  // The folder as the save of step 8 leaves it when killed before its commit point (step 8's sidecar written under
  // the next-name, the checkpoint still step 4's) and after it (checkpoint replaced, sidecar not yet renamed).
  for (const [name, committed] of [['cut-before', 4], ['cut-after', 8]] as const) {
    cpSync(path.join(fx.tmp, 'cut-8'), path.join(fx.tmp, name), { recursive: true });
    copyFileSync(optimPath(at('cut-4')), optimPath(at(name)));
    if (committed === 4) copyFileSync(at('cut-4'), at(name));
    copyFileSync(optimPath(at('cut-8')), nextOptimPath(at(name)));
    const found = readCommittedPair(at(name));
    assert.equal(found.optim.step, committed, name);
    assert.equal(found.optimFile, committed === 4 ? optimPath(at(name)) : nextOptimPath(at(name)), name);
    await runTraining(request(fx, path.join(fx.tmp, name), 'resume'));
    assert.deepEqual(await outcome(path.join(fx.tmp, name)), REF, name);
  }

  // A next-name file that is not a sidecar at all does not hide the good one; a checkpoint without its own sidecar
  // is refused rather than paired with another step's moments.
  cpSync(path.join(fx.tmp, 'cut-4'), path.join(fx.tmp, 'cut-junk'), { recursive: true });
  writeFileSync(nextOptimPath(at('cut-junk')), 'not a safetensors file');
  assert.equal(readCommittedPair(at('cut-junk')).optim.step, 4);
  copyFileSync(at('cut-8'), at('cut-4'));
  assert.throws(() => readCommittedPair(at('cut-4')), /optimizer state was saved with other weights/);
  await assert.rejects(runTraining(request(fx, path.join(fx.tmp, 'cut-4'), 'resume')), /other weights/);
});

type Landed = 'before any checkpoint' | 'mid-run' | 'during the final writes' | 'after completion';

test('SIGKILL at 20 seeded moments: every file is absent or valid, and depthkit train --resume gives the uninterrupted result', async (t) => {
  // Kills spread from process start to a little past the end of a run: a fifth before the reference's first output,
  // the rest after this run's own first output (startup time varies far more than training time does), over the
  // shortest first-output-to-exit span seen so far (other test files share the cores, so spans vary with load).
  const TRIALS = 20;
  const EARLY = 0.2;
  const rand = mulberry32(1712);
  const landed: Record<Landed, number> = { 'before any checkpoint': 0, 'mid-run': 0, 'during the final writes': 0, 'after completion': 0 };
  const seen = { nextMatched: 0, nextStale: 0, temps: 0, outputsWithoutCheckpoint: 0 };
  const trials: string[] = [];
  let span = endMs - firstOutputMs;
  for (let i = 0; i < TRIALS; i++) {
    const out = path.join(fx.tmp, `kill-${i}`);
    const u = rand();
    const run = startCli(cliArgs(fx, out, 'init'));
    const exitedAt = run.done.then(() => performance.now());
    let outputAt: number | undefined;
    if (u < EARLY) {
      await sleep((u / EARLY) * firstOutputMs);
    } else {
      await whenReady(run, () => hasOutput(out));
      outputAt = performance.now();
      await sleep(((u - EARLY) / (1 - EARLY)) * 1.1 * span);
    }
    run.kill('SIGKILL');
    const r = await run.done;
    run.kill('SIGKILL');
    if (r.code === 0 && outputAt !== undefined) span = Math.min(span, (await exitedAt) - outputAt);
    assert.ok(r.code === 0 || r.signal === 'SIGKILL', `trial ${i}: ${r.code} ${r.signal} ${r.stderr}`);

    const found = await checkOutputs(out, PARAMS);
    const where: Landed = r.code === 0 ? 'after completion' : found.step === undefined ? 'before any checkpoint' : found.step < STEPS ? 'mid-run' : 'during the final writes';
    landed[where]++;
    if (found.next === 'matched') seen.nextMatched++;
    if (found.next === 'stale') seen.nextStale++;
    seen.temps += found.temps.length;
    if (found.step === undefined && found.files.length) seen.outputsWithoutCheckpoint++;
    trials.push(`${i}: ${where}${found.step === undefined ? '' : ` (step ${found.step})`}, ${found.files.length} files, ${found.temps.length} temps`);

    // The user's rerun, through the CLI. Until a checkpoint is committed there is nothing to resume (the command
    // says so), so the same command runs again from the start.
    const rerun = depthkit(cliArgs(fx, out, found.step === undefined ? 'init' : 'resume'));
    assert.equal(rerun.code, 0, `trial ${i}: ${rerun.stderr}`);
    assert.deepEqual(await outcome(out), REF, `trial ${i}: ${trials.at(-1)}`);
  }
  t.diagnostic(`reference run: first output after ${firstOutputMs.toFixed(0)} ms, exit after ${endMs.toFixed(0)} ms; shortest span ${span.toFixed(0)} ms`);
  t.diagnostic(`kills landed: ${JSON.stringify(landed)}; ${JSON.stringify(seen)}`);
  for (const line of trials) t.diagnostic(line);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { readCheckpoint } from '../../src/model/checkpoint.js';
import { runTraining } from '../../src/train/run-training.js';
import { CHECKPOINT_NAME } from '../../src/train/trainer.js';
import { depthkit, startCli } from '../helpers/cli.js';
import { checkOutputs, cliArgs, makeTrainFixture, outcome, request, sleep, STEPS, whenReady } from '../helpers/train-run.js';

const fx = await makeTrainFixture('dk-train-int-');
const refDir = path.join(fx.tmp, 'ref');
await runTraining(request(fx, refDir, 'init'));
const REF = await outcome(refDir);
const PARAMS = readCheckpoint(path.join(refDir, CHECKPOINT_NAME)).tensors;

for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
  test(`${signal}: the step in flight finishes and is saved, exit ${code}, --resume completes to the uninterrupted result`, async (t) => {
    const out = path.join(fx.tmp, signal);
    const run = startCli(cliArgs(fx, out, 'init'));
    // The first log row (step 4 of 12) is on disk: training is under way, with steps left.
    await whenReady(run, () => existsSync(path.join(out, 'train_log.csv')));
    run.kill(signal);
    const r = await run.done;
    assert.equal(r.code, code, r.stderr);
    const stopped = new RegExp(`^depthkit: ${signal}: stopped at step (\\d+) of ${STEPS}, checkpoint and optimizer state saved in .*--resume`, 'm').exec(r.stderr);
    assert.ok(stopped, r.stderr);
    const step = Number(stopped[1]);
    t.diagnostic(`stopped at step ${step} (saves every 3, log rows every 4)`);
    const found = await checkOutputs(out, PARAMS);
    // Saved at the step it stopped at, whether or not that is a --save-every step; the pair is settled.
    assert.equal(found.step, step);
    assert.equal(found.next, 'none');
    assert.deepEqual(found.temps, []);

    const resumed = depthkit(cliArgs(fx, out, 'resume'));
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.match(resumed.stdout, new RegExp(`trained steps ${step}\\.\\.${STEPS} `));
    assert.deepEqual(await outcome(out), REF);
  });
}

test('a second SIGINT exits at once (130), leaving only complete files', async (t) => {
  // Without the feature cache each step runs the image tower, a long stretch of synchronous work: two signals sent
  // 20 ms apart both arrive within it, and their handlers run back to back once the step yields. Should the first
  // be handled alone (the step ended in between) or the two merge (the kernel coalesces a signal still pending), the
  // run stops as after one SIGINT (a second one that lands as it exits ends it by the default action); that attempt
  // is checked the same way and repeated.
  let attempts = 0;
  let exitedAtOnce = false;
  while (!exitedAtOnce && attempts < 3) {
    const out = path.join(fx.tmp, `double-${attempts++}`);
    const run = startCli(cliArgs(fx, out, 'init').filter((a) => a !== '--cache-features'));
    // The first log row is on disk: steps are under way.
    await whenReady(run, () => existsSync(path.join(out, 'train_log.csv')));
    run.kill('SIGINT');
    await sleep(20);
    run.kill('SIGINT');
    const r = await run.done;
    exitedAtOnce = r.stderr.includes('depthkit: SIGINT again: exiting now');
    if (exitedAtOnce) assert.equal(r.code, 130, r.stderr);
    else assert.ok(/stopped at step \d+/.test(r.stderr) && (r.code === 130 || r.signal === 'SIGINT'), r.stderr);
    const found = await checkOutputs(out, PARAMS);
    assert.ok(found.step !== undefined, 'a checkpoint was committed before the signals');
  }
  t.diagnostic(`exited at once on attempt ${attempts}`);
  assert.ok(exitedAtOnce, 'the second SIGINT was never handled while the first was being honoured');
});

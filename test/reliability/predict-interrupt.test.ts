import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { depthkit, startCli } from '../helpers/cli.js';
import { listOutputs } from '../helpers/crash.js';
import { TINY_CKPT, TINY_CLIP } from '../helpers/model-reference.js';

/** Small images with different content, so that every depth file differs. */
async function writeImages(dir: string, n: number): Promise<void> {
  mkdirSync(dir, { recursive: true });
  for (let k = 0; k < n; k++) {
    const raw = Buffer.alloc(24 * 16 * 3, 0).map((_, i) => (i * (k + 3) * 7) % 256);
    await sharp(raw, { raw: { width: 24, height: 16, channels: 3 } }).png().toFile(path.join(dir, `img${String(k).padStart(3, '0')}.png`));
  }
}

/** Resolves once `dir` holds at least one file whose name matches. */
async function waitForFile(dir: string, re: RegExp): Promise<void> {
  for (;;) {
    if (readdirSync(dir, { withFileTypes: true }).some((e) => re.test(e.name))) return;
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('depthkit predict: SIGTERM/SIGINT stop after the chunk in flight (143/130) and --resume writes only the rest, identical to one run', async (t) => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'depthkit-predict-int-'));
  const images = path.join(tmp, 'images');
  await writeImages(images, 24);
  const env = { DEPTHKIT_CACHE: path.join(tmp, 'cache') };
  const base = [images, '--checkpoint', TINY_CKPT, '--clip', TINY_CLIP, '--backend', 'onnx'];
  const whole = path.join(tmp, 'whole');
  const full = depthkit(['predict', ...base, '--out', whole], { env });
  assert.equal(full.code, 0, full.stderr);
  assert.equal(readdirSync(whole).length, 24);

  for (const [signal, code] of [['SIGTERM', 143], ['SIGINT', 130]] as const) {
    const out = path.join(tmp, signal);
    mkdirSync(out);
    const run = startCli(['predict', ...base, '--out', out], { env });
    await waitForFile(out, /^img\d+\.npy$/);
    run.kill(signal);
    const r = await run.done;
    const written = listOutputs(out);
    if (r.code === 0) {
      // The run ended before the signal was delivered: nothing to resume, still a valid outcome.
      assert.equal(written.files.length, 24);
      t.diagnostic(`${signal}: the run finished before the signal`);
      continue;
    }
    assert.equal(r.code, code, r.stderr);
    assert.match(r.stderr.trim(), new RegExp(`^depthkit: ${signal}: \\d+ of 24 depth map\\(s\\) are in .*; run the same command with --resume to continue$`, 'm'));
    assert.deepEqual(written.temps, [], 'a stopped run leaves no temp file');
    assert.ok(written.files.length < 24 && written.files.length % 4 === 0, `whole chunks only: ${written.files.length}`);
    const before = written.files.length;
    t.diagnostic(`${signal}: stopped with ${before} of 24 written`);
    const again = depthkit(['predict', ...base, '--out', out, '--resume'], { env });
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, new RegExp(`wrote ${24 - before} depth map\\(s\\) to .*, ${before} already there`));
    for (const f of readdirSync(whole)) assert.ok(readFileSync(path.join(out, f)).equals(readFileSync(path.join(whole, f))), f);
  }

  // Without --resume every file is predicted again.
  rmSync(path.join(whole, 'img000.npy'));
  const redo = depthkit(['predict', ...base, '--out', whole], { env });
  assert.match(redo.stdout, /wrote 24 depth map\(s\)/);
});

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeSynth } from '../../src/synth/write.js';
import { readCsv } from '../../src/io/csv.js';
import type { RgbImage } from '../../src/metrics/types.js';
import type { FlowField } from '../../src/metrics/warp.js';
import { estimatePairFlows, flowInput, resampleFlow, shrinkRgb } from '../../src/metrics/flow-pair.js';
import { FlowPool } from '../../src/video/flow-pool.js';
import { probeVideo } from '../../src/video/decode.js';
import { runVideo } from '../../src/video/run-video.js';

/*
 * Flow off the main thread and at a reduced size: the worker returns exactly what the main thread computes, the
 * upsampled field is right on fields whose resampling is known in closed form and on an analytic translation, and
 * the preview's ffmpeg survives a Ctrl-C sent to the whole process group.
 */
let tmp: string;
let synth: Awaited<ReturnType<typeof writeSynth>>;

before(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'depthkit-video-flow-'));
  synth = await writeSynth(path.join(tmp, 's'), { scene: 'room', frames: 40, width: 96, height: 72, fps: 12, fov: 70, seed: 2, motion: 'pan', saveFrames: false });
});
after(() => fs.rm(tmp, { recursive: true, force: true }));

/** A smooth texture sampled in closed form, so a translated copy is exact (no resampling in the test itself). */
function texture(width: number, height: number, dx = 0, dy = 0): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const X = x - dx;
      const Y = y - dy;
      const g = 128 + 50 * Math.sin(0.31 * X + 0.17 * Y) + 35 * Math.sin(0.13 * X - 0.27 * Y + 1) + 20 * Math.cos(0.07 * X * 0.9 + 0.11 * Y);
      const i = 3 * (y * width + x);
      data[i] = data[i + 1] = data[i + 2] = Math.round(g);
    }
  }
  return { data, width, height };
}

function interiorMean(f: FlowField, margin: number): { u: number; v: number } {
  let u = 0;
  let v = 0;
  let n = 0;
  for (let y = margin; y < f.height - margin; y++) {
    for (let x = margin; x < f.width - margin; x++) {
      u += f.u[y * f.width + x];
      v += f.v[y * f.width + x];
      n++;
    }
  }
  return { u: u / n, v: v / n };
}

test('resampleFlow: vectors scale with the image and positions map through pixel centres', () => {
  // u_s(x) = c (x + 0.5) on the small grid is a zoom about the corner; at twice the size it must read c (X + 0.5).
  const w = 40;
  const h = 30;
  const c = 0.05;
  const small: FlowField = { u: new Float32Array(w * h), v: new Float32Array(w * h).fill(-1.5), width: w, height: h };
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) small.u[y * w + x] = c * (x + 0.5);
  const big = resampleFlow(small, 2 * w, 2 * h);
  assert.equal(big.width, 80);
  for (let y = 0; y < 2 * h; y++) {
    for (let x = 1; x < 2 * w - 1; x++) {
      assert.ok(Math.abs(big.u[y * 80 + x] - c * (x + 0.5)) < 1e-5, `u at ${x},${y}: ${big.u[y * 80 + x]}`);
      assert.ok(Math.abs(big.v[y * 80 + x] + 3) < 1e-6);
    }
  }
  assert.equal(resampleFlow(small, w, h), small, 'same size: unchanged');
});

test('shrinkRgb averages whole areas (2x2 blocks at half size)', () => {
  const img = texture(8, 6);
  const half = shrinkRgb(img, 4, 3);
  for (let y = 0; y < 3; y++) {
    for (let x = 0; x < 4; x++) {
      const at = (xx: number, yy: number) => img.data[3 * (yy * 8 + xx)];
      const mean = (at(2 * x, 2 * y) + at(2 * x + 1, 2 * y) + at(2 * x, 2 * y + 1) + at(2 * x + 1, 2 * y + 1)) / 4;
      assert.equal(half.data[3 * (y * 4 + x)], Math.round(mean));
    }
  }
});

test('flow at a reduced size, upsampled, recovers a known translation at the full size', () => {
  const a = texture(320, 240);
  const b = texture(320, 240, 3, -2);
  for (const flowSize of [160, 320]) {
    const { toNext, toPrev } = estimatePairFlows(a, b, flowSize);
    assert.equal(toNext.width, 320);
    assert.equal(toNext.height, 240);
    const fwd = interiorMean(toNext, 20);
    const bwd = interiorMean(toPrev, 20);
    assert.ok(Math.abs(fwd.u - 3) < 0.05 && Math.abs(fwd.v + 2) < 0.05, `flow size ${flowSize}: forward ${JSON.stringify(fwd)}`);
    assert.ok(Math.abs(bwd.u + 3) < 0.05 && Math.abs(bwd.v - 2) < 0.05, `flow size ${flowSize}: backward ${JSON.stringify(bwd)}`);
  }
});

test('FlowPool returns what the main thread computes, in call order, and reports bad pairs', async () => {
  const frames = [0, 1, 2, 3].map((k) => texture(64, 48, k, -k / 2));
  const inputs = frames.map((f) => flowInput(f, 32));
  const pool = FlowPool.start(2);
  try {
    const got = await Promise.all([0, 1, 2].map((k) => pool.pair(inputs[k], inputs[k + 1], 64, 48, 'dis')));
    got.forEach((flows, k) => assert.deepEqual(flows, estimatePairFlows(frames[k], frames[k + 1], 32), `pair ${k}`));
    assert.equal(inputs[0].data.length, 32 * 24 * 3, 'the caller keeps its frames (the worker gets copies)');
    await assert.rejects(pool.pair(inputs[0], frames[1], 64, 48, 'dis'), /optical flow: .*differ in size/);
    assert.ok((await pool.pair(frames[0], frames[1], 64, 48, 'dis')).toNext.width === 64, 'a bad pair does not break the pool');
  } finally {
    await pool.dispose();
  }
  await assert.rejects(pool.pair(inputs[0], inputs[1], 64, 48, 'dis'), /flow workers stopped/);
});

test('the CSVs are identical with flow in a worker and on the main thread', async () => {
  const run = async (flowWorkers: number, out: string) => {
    const r = await runVideo({ video: synth.video, depth: [`gt=${synth.depth}`], depthScale: 1000, maxFrames: 8, flowSize: 48, flowWorkers, preview: false, out: path.join(tmp, out) });
    return {
      frames: await fs.readFile(path.join(r.out, 'frames.csv'), 'utf8'),
      summary: await fs.readFile(path.join(r.out, 'summary.csv'), 'utf8'),
      flow: JSON.parse(await fs.readFile(path.join(r.out, 'run.json'), 'utf8')).protocol.flow as string,
    };
  };
  const worker = await run(1, 'worker');
  const main = await run(0, 'main');
  assert.equal(worker.frames, main.frames);
  assert.equal(worker.summary, main.summary);
  assert.match(worker.flow, /at 48x36, upsampled/);
  const rows = (await readCsv(path.join(tmp, 'worker', 'frames.csv'))).rows;
  // The pan eases in (the first pair moves ~0.07 px at 48x36), then speeds up.
  const mags = rows.slice(1).map((r) => Number(r.flow_mag));
  assert.ok(mags.every((m) => m > 0.03) && mags.at(-1)! > 1, `a panning shot has flow on every pair: ${mags.join(' ')}`);
});

test('Ctrl-C to the whole process group (a terminal) still leaves a complete preview', async () => {
  const out = path.join(tmp, 'pgrp');
  const args = ['--import', 'tsx', 'bin/dev.js', 'video', synth.video, '--depth', `gt=${synth.depth}`, '--depth-scale', '1000', '--out', out, '--verbose'];
  // detached: the CLI leads its own group, as a terminal's foreground job does; kill(-pid) reaches every member.
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let stderr = '';
  let sent = false;
  child.stdout.resume();
  child.stderr.on('data', (d) => {
    stderr += d;
    if (!sent && /frame 3 done/.test(stderr)) {
      sent = true;
      process.kill(-child.pid!, 'SIGINT');
    }
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.ok(sent, stderr);
  assert.equal(code, 130, stderr);
  assert.doesNotMatch(stderr, /preview not written/);
  const run = JSON.parse(await fs.readFile(path.join(out, 'run.json'), 'utf8'));
  assert.equal(run.interrupted, true);
  assert.ok(!run.notes.some((n: string) => /preview/.test(n)), run.notes.join('; '));
  const preview = await probeVideo(path.join(out, 'preview.mp4'));
  assert.equal(preview.frameCount, run.frames_done);
  assert.ok(run.frames_done >= 3 && run.frames_done < 40, `frames ${run.frames_done}`);
});

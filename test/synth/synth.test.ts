import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readPng16 } from '../../src/io/png16.js';
import { readIntrinsics, readPoses, parseIntrinsics } from '../../src/synth/calib.js';
import { lookAt, MOTIONS, poseMatrix } from '../../src/synth/camera.js';
import { castRay, renderFrame } from '../../src/synth/render.js';
import { buildScene, type SceneName } from '../../src/synth/scene.js';
import { planSynth, writeSynth, type SynthOptions } from '../../src/synth/write.js';
import { probeVideo } from '../../src/video/decode.js';
import { FormatError } from '../../src/errors.js';
import type { Intrinsics } from '../../src/metrics/tae.js';
import { depthkit } from '../helpers/cli.js';

let dir: string;
before(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'depthkit-synth-'));
});
after(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

const base: SynthOptions = { scene: 'room', frames: 6, width: 64, height: 48, fps: 12, fov: 70, seed: 7, motion: 'forward', saveFrames: true };

async function synth(name: string, o: Partial<SynthOptions> = {}) {
  const out = path.join(dir, name);
  const files = await writeSynth(out, { ...base, ...o });
  return { out, files };
}

test('depthkit synth --json writes every file and prints their paths', async () => {
  const out = path.join(dir, 'cli');
  const r = depthkit(['synth', '--scene', 'corridor', '--motion', 'orbit', '--frames', '5', '--width', '40', '--height', '30', '--save-frames', '--out', out, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const stdout = r.stdout;
  const files = JSON.parse(stdout);
  for (const key of ['video', 'poses', 'intrinsics', 'meta', 'train', 'val']) await fs.access(files[key]);
  assert.equal((await fs.readdir(files.depth)).length, 5);
  assert.deepEqual(await fs.readdir(files.frames), ['000000.png', '000001.png', '000002.png', '000003.png', '000004.png']);
  assert.equal(await fs.readFile(files.train, 'utf8'), [0, 1, 2, 3].map((i) => `frames/00000${i}.png depth/00000${i}.png\n`).join(''));
  assert.equal(await fs.readFile(files.val, 'utf8'), 'frames/000004.png depth/000004.png\n');
  const meta = JSON.parse(await fs.readFile(files.meta, 'utf8'));
  assert.equal(meta.scene, 'corridor');
  assert.equal(meta.depth_scale, 1000);
  assert.equal(meta.frame_count, 5);
  assert.deepEqual([meta.width, meta.height, meta.fps, meta.seed], [40, 30, 12, 1]);
  const info = await probeVideo(files.video);
  assert.deepEqual([info.width, info.height, info.frameCount, info.fps], [40, 30, 5, 12]);
});

test('depth PNGs, poses and intrinsics on disk match the renderer', async () => {
  const { files } = await synth('room');
  const plan = planSynth(base);
  const K = await readIntrinsics(files.intrinsics);
  assert.deepEqual(K, plan.K);
  const poses = await readPoses(files.poses);
  assert.equal(poses.length, base.frames);
  // + 0 folds -0 (written as "0") into 0
  poses.forEach((m, i) => assert.deepEqual(Array.from(m), Array.from(poseMatrix(plan.poses[i]), (x) => x + 0)));
  for (let i = 0; i < base.frames; i++) {
    const png = await readPng16(path.join(files.depth, `00000${i}.png`));
    const { depth } = renderFrame(plan.scene, plan.poses[i], plan.K, base.width, base.height);
    let worst = 0;
    depth.forEach((z, j) => (worst = Math.max(worst, Math.abs(png.data[j] / 1000 - z))));
    assert.ok(worst <= 0.0005 + 1e-6, `frame ${i}: worst depth error ${worst} m`);
  }
});

test('depth is z-depth (along the optical axis), not ray length: a wall faced head-on is flat', () => {
  const scene = { ...buildScene('room', 1), shapes: buildScene('room', 1).shapes.slice(0, 1) }; // walls only
  const pose = lookAt([0, 1.5, 0], [0, 1.5, 1]); // the far wall is the plane z = 5, 5 m ahead
  const K: Intrinsics = { fx: 40, fy: 40, cx: 31.5, cy: 23.5 };
  const { depth } = renderFrame(scene, pose, K, 64, 48);
  // rows whose rays reach z = 5 between floor (y = 0) and ceiling (y = 3): |v - cy| / fy * 5 < 1.5
  for (let v = 12; v <= 35; v++) {
    for (let u = 0; u < 64; u++) assert.ok(Math.abs(depth[v * 64 + u] - 5) < 1e-6, `(${u}, ${v}): ${depth[v * 64 + u]}`);
  }
  // the floor below: z-depth = 1.5 * fy / (v - cy)
  assert.ok(Math.abs(depth[47 * 64 + 10] - (1.5 * 40) / (47 - 23.5)) < 1e-6); // float32 depth
});

test('poses are rigid: R orthonormal with det +1, for every motion and scene', () => {
  for (const scene of ['room', 'corridor'] as SceneName[]) {
    for (const motion of MOTIONS) {
      for (const p of planSynth({ ...base, scene, motion, frames: 9 }).poses) {
        const R = p.R;
        for (let a = 0; a < 3; a++) {
          for (let b = 0; b < 3; b++) {
            const dot = R[a] * R[b] + R[3 + a] * R[3 + b] + R[6 + a] * R[6 + b];
            assert.ok(Math.abs(dot - (a === b ? 1 : 0)) < 1e-12, `${scene}/${motion}: R^T R [${a}][${b}] = ${dot}`);
          }
        }
        const det = R[0] * (R[4] * R[8] - R[5] * R[7]) - R[1] * (R[3] * R[8] - R[5] * R[6]) + R[2] * (R[3] * R[7] - R[4] * R[6]);
        assert.ok(Math.abs(det - 1) < 1e-12, `${scene}/${motion}: det ${det}`);
      }
    }
  }
});

/** Back-projects pixel (u, v) at depth z of camera a and returns its pixel position and z-depth in camera b. */
function reproject(Ta: Float64Array, Tb: Float64Array, K: Intrinsics, u: number, v: number, z: number): [number, number, number] {
  const xc = ((u - K.cx) / K.fx) * z;
  const yc = ((v - K.cy) / K.fy) * z;
  const w = [0, 1, 2].map((r) => Ta[4 * r] * xc + Ta[4 * r + 1] * yc + Ta[4 * r + 2] * z + Ta[4 * r + 3]);
  const d = [0, 1, 2].map((r) => w[r] - Tb[4 * r + 3]);
  // camera-to-world R is orthonormal: world-to-camera is its transpose
  const [xb, yb, zb] = [0, 1, 2].map((c) => Tb[c] * d[0] + Tb[4 + c] * d[1] + Tb[8 + c] * d[2]);
  return [(K.fx * xb) / zb + K.cx, (K.fy * yb) / zb + K.cy, zb];
}

test('a point seen in frame 0, reprojected with the written poses, intrinsics and depth, lands where frame 1 sees it', async (t) => {
  for (const [scene, motion] of [['room', 'forward'], ['corridor', 'orbit'], ['room', 'pan']] as const) {
    const name = `reproject-${scene}-${motion}`;
    const { files } = await synth(name, { scene, motion, frames: 4, saveFrames: false });
    const K = await readIntrinsics(files.intrinsics);
    const [T0, T1] = await readPoses(files.poses);
    const d0 = (await readPng16(path.join(files.depth, '000000.png'))).data;
    const d1 = (await readPng16(path.join(files.depth, '000001.png'))).data;
    const plan = planSynth({ ...base, scene, motion, frames: 4 });
    let tried = 0;
    let exact = 0;
    let pixel = 0;
    for (let v = 2; v < base.height; v += 5) {
      for (let u = 2; u < base.width; u += 5) {
        const z0 = d0[v * base.width + u] / 1000;
        if (z0 === 0) continue;
        const [u1, v1, z1] = reproject(T0, T1, K, u, v, z0);
        const [ru, rv] = [Math.round(u1), Math.round(v1)];
        if (z1 <= 0 || ru < 0 || rv < 0 || ru >= base.width || rv >= base.height) continue;
        tried++;
        // the renderer's own ray through the sub-pixel position: equal up to the 0.5 mm quantisation of the PNG
        if (Math.abs(castRay(plan.scene, plan.poses[1], plan.K, u1, v1).depth - z1) < 0.002) exact++;
        // the written frame-1 depth at the rounded pixel (what the TAE metric compares): within 5%, as half a pixel
        // on a floor seen at a grazing angle changes depth by a few percent at this size
        if (Math.abs(d1[rv * base.width + ru] / 1000 - z1) < 0.05 * z1) pixel++;
      }
    }
    t.diagnostic(`${name}: ${exact}/${tried} sub-pixel, ${pixel}/${tried} pixel matches`);
    assert.ok(tried > 60, `${name}: ${tried} points`);
    // the few misses are points hidden in frame 1 (occlusion) or at depth edges
    assert.ok(exact / tried > 0.95, `${name}: ${exact}/${tried} sub-pixel matches`);
    assert.ok(pixel / tried > 0.85, `${name}: ${pixel}/${tried} pixel matches`);
  }
});

test('the same seed gives identical bytes; another seed does not', async () => {
  const a = await synth('seed-a', { frames: 2, saveFrames: true });
  const b = await synth('seed-b', { frames: 2, saveFrames: true });
  const c = await synth('seed-c', { frames: 2, seed: 8 });
  for (const f of ['depth/000001.png', 'frames/000001.png', 'poses.txt', 'intrinsics.txt']) {
    assert.ok((await fs.readFile(path.join(a.out, f))).equals(await fs.readFile(path.join(b.out, f))), f);
  }
  assert.ok(!(await fs.readFile(path.join(a.out, 'depth/000001.png'))).equals(await fs.readFile(path.join(c.out, 'depth/000001.png'))));
});

test('static motion gives identical consecutive frames; forward motion does not', async () => {
  const s = await synth('static', { motion: 'static', frames: 3 });
  const f = await synth('forward', { motion: 'forward', frames: 3 });
  const read = (out: string, sub: string, i: number) => fs.readFile(path.join(out, sub, `00000${i}.png`));
  for (const sub of ['depth', 'frames']) {
    assert.ok((await read(s.out, sub, 0)).equals(await read(s.out, sub, 1)), `static ${sub}`);
    assert.ok(!(await read(f.out, sub, 0)).equals(await read(f.out, sub, 1)), `forward ${sub}`);
  }
});

test('intrinsics reader takes "fx fy cx cy" or a 3x3 matrix, and refuses anything else', () => {
  assert.deepEqual(parseIntrinsics('k.txt', '500 510 319.5 239.5\n'), { fx: 500, fy: 510, cx: 319.5, cy: 239.5 });
  assert.deepEqual(parseIntrinsics('k.txt', '500 0 319.5\n0 510 239.5\n0 0 1\n'), { fx: 500, fy: 510, cx: 319.5, cy: 239.5 });
  assert.throws(() => parseIntrinsics('k.txt', '500 510 319.5'), (e: unknown) => e instanceof FormatError && /k\.txt: expected 4 numbers/.test(e.message));
  assert.throws(() => parseIntrinsics('k.txt', '500 1 319.5 0 510 239.5 0 0 1'), /k\.txt: a 3x3 intrinsics matrix/);
});

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeSynth } from '../../src/synth/write.js';
import { loadDepthModel, type EngineRequest } from '../../src/model/engine.js';
import type { DepthModel } from '../../src/model/depth-model.js';
import { runVideo } from '../../src/video/run-video.js';

/*
 * The model source batches the frames in flight (depth-source.ts modelSource): the numbers must not depend on it.
 * A tiny CLIP model on tfjs and on ONNX Runtime streams a synth clip with frames sent one at a time and in batches
 * of 4; frames.csv, summary.csv and every saved depth PNG must be byte-identical, and the batched run must really
 * have sent several frames per predict().
 */
const REF = path.join(import.meta.dirname, '..', 'reference', 'model');
let tmp: string;
let clip: { video: string; depth: string };

before(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'depthkit-batch-'));
  const files = await writeSynth(path.join(tmp, 'pan'), { scene: 'room', frames: 10, width: 96, height: 72, fps: 10, fov: 70, seed: 5, motion: 'pan', saveFrames: false });
  clip = { video: files.video, depth: files.depth };
});

after(() => fs.rm(tmp, { recursive: true, force: true }));

/** The tiny model, recording how many frames each predict() call got. */
async function counted(backend: EngineRequest, sizes: number[]): Promise<DepthModel> {
  const model = await loadDepthModel({ checkpoint: path.join(REF, 'ckpt-tiny.safetensors'), clip: path.join(REF, 'clip-tiny.safetensors'), backend, workers: 1, cacheDir: false });
  return { ...model, description: model.description, inputSize: model.inputSize, predict: (frames) => (sizes.push(frames.length), model.predict(frames)), dispose: () => model.dispose() };
}

const read = (dir: string, f: string) => fs.readFile(path.join(dir, f));

for (const backend of ['cpu', 'onnx'] as const) {
  test(`${backend}: frames.csv, summary.csv and saved depth are identical with batch 1 and batch 4`, async () => {
    const runs: { out: string; sizes: number[] }[] = [];
    for (const batch of [1, 4]) {
      const sizes: number[] = [];
      const r = await runVideo({ video: clip.video, out: path.join(tmp, `${backend}-${batch}`), loadModel: () => counted(backend, sizes), batch, gt: clip.depth, preview: false });
      assert.equal(r.frames, 10);
      runs.push({ out: r.out, sizes });
    }
    const [one, four] = runs;
    assert.deepEqual(one.sizes, Array(10).fill(1));
    assert.ok(Math.max(...four.sizes) > 1 && Math.max(...four.sizes) <= 4, `batches ${four.sizes}`);
    assert.equal(four.sizes.reduce((a, b) => a + b, 0), 10);
    for (const f of ['frames.csv', 'summary.csv']) assert.ok((await read(one.out, f)).equals(await read(four.out, f)), f);
    const pngs = (await fs.readdir(path.join(one.out, 'depth'))).sort();
    assert.equal(pngs.length, 10);
    for (const p of pngs) assert.ok((await read(path.join(one.out, 'depth'), p)).equals(await read(path.join(four.out, 'depth'), p)), p);
  });
}

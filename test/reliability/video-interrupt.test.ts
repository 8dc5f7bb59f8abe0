import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readCsv } from '../../src/io/csv.js';
import { loadDepthModel } from '../../src/model/engine.js';
import { writeSynth } from '../../src/synth/write.js';
import { depthkit, startCli, type RunningCli } from '../helpers/cli.js';
import { TINY_CKPT, TINY_CLIP } from '../helpers/model-reference.js';
import { checkVideoFolder, type VideoFolderSpec } from '../helpers/video-outputs.js';

/* `depthkit video` stopped by SIGTERM (143) or by a double Ctrl-C (130 at once); SIGINT alone is in video-cli.test.ts. */
// Longer than the frames the pipeline holds in flight (decode ahead + two model batches), so frame 3 is mid-run.
const FRAMES = 20;

let tmp: string;
let args: (out: string) => string[];
let env: NodeJS.ProcessEnv;
let refOut: string;
let spec: VideoFolderSpec;

before(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'depthkit-video-int-'));
  const synth = await writeSynth(path.join(tmp, 's'), { scene: 'room', frames: FRAMES, width: 64, height: 48, fps: 10, fov: 70, seed: 4, motion: 'pan', saveFrames: false });
  args = (out) => ['video', synth.video, '--checkpoint', TINY_CKPT, '--clip', TINY_CLIP, '--backend', 'onnx', '--depth', `gt=${synth.depth}`, '--depth-scale', '1000', '--out', out, '--verbose'];
  env = { DEPTHKIT_CACHE: path.join(tmp, 'cache') };
  const model = await loadDepthModel({ checkpoint: TINY_CKPT, clip: TINY_CLIP, backend: 'onnx', cacheDir: path.join(tmp, 'cache', 'onnx') });
  await model.dispose();
  refOut = path.join(tmp, 'ref');
  const ref = depthkit(args(refOut), { env });
  assert.equal(ref.code, 0, ref.stderr);
  const [frames, summary] = await Promise.all([readCsv(path.join(refOut, 'frames.csv')), readCsv(path.join(refOut, 'summary.csv'))]);
  spec = { frameColumns: frames.columns, summaryColumns: summary.columns, models: ['model', 'gt'], width: 64, height: 48 };
});
after(() => rmSync(tmp, { recursive: true, force: true, maxRetries: 5 }));

/** Resolves once the run's stderr matches (the run's own collected output is left untouched). */
function stderrMatches(run: RunningCli, re: RegExp): Promise<void> {
  let text = '';
  return new Promise((resolve) => {
    run.child.stderr!.on('data', (s: string) => {
      text += s;
      if (re.test(text)) resolve();
    });
  });
}

/** --resume completes the folder to CSVs (and saved depth) byte-identical to the uninterrupted run's. */
async function resumeMatchesReference(out: string): Promise<void> {
  const r = depthkit([...args(out), '--resume'], { env });
  assert.equal(r.code, 0, r.stderr);
  assert.equal((await checkVideoFolder(out, spec)).frames, FRAMES);
  for (const rel of ['frames.csv', 'summary.csv', ...Array.from({ length: FRAMES }, (_, i) => `depth/${String(i).padStart(6, '0')}.png`)]) {
    assert.ok(readFileSync(path.join(out, rel)).equals(readFileSync(path.join(refOut, rel))), `${rel} differs from the uninterrupted run's`);
  }
}

test('SIGTERM mid-run: exit 143, valid outputs for the frames done, the message names --resume, and the resume completes', async (t) => {
  const out = path.join(tmp, 'term');
  const run = startCli(args(out), { env });
  await stderrMatches(run, /frame 3 done/);
  run.kill('SIGTERM');
  const r = await run.done;
  assert.equal(r.code, 143, r.stderr);
  const line = r.stderr.split('\n').find((l) => l.startsWith('depthkit:'));
  assert.match(line ?? '', /^depthkit: SIGTERM: interrupted after (\d+) frame\(s\), outputs in .+ are valid for them: run the same command with --resume to continue$/);
  const done = Number(/after (\d+) frame/.exec(line!)![1]);
  assert.ok(done >= 3 && done < FRAMES, `frames done ${done}`);
  const left = await checkVideoFolder(out, spec);
  assert.equal(left.frames, done, 'CSVs, run.json and preview.mp4 all count the frames done');
  assert.deepEqual(left.temps, [], 'a graceful stop leaves no temp file');
  assert.ok(['frames.csv', 'summary.csv', 'preview.mp4', 'run.json'].every((f) => left.files.includes(f)), left.files.join(' '));
  assert.equal(JSON.parse(readFileSync(path.join(out, 'run.json'), 'utf8')).interrupted, true);
  t.diagnostic(`SIGTERM after frame 3: ${done} of ${FRAMES} frames written`);
  await resumeMatchesReference(out);
});

test('a second SIGINT exits at once with 130, leaving only complete files (and hidden temps), and --resume completes', async (t) => {
  const out = path.join(tmp, 'double');
  const run = startCli(args(out), { env });
  await stderrMatches(run, /frame 3 done/);
  const first = stderrMatches(run, /SIGINT: finishing the frames in flight/);
  run.kill('SIGINT');
  await first;
  run.kill('SIGINT');
  const r = await run.done;
  assert.equal(r.code, 130, r.stderr);
  assert.match(r.stderr, /SIGINT again: exiting now/);
  const left = await checkVideoFolder(out, spec);
  // The encoder's ffmpeg (its own process group) is killed at exit and its temp file removed: no orphan encodes on.
  assert.deepEqual(left.temps.filter((f) => f.startsWith('.preview.mp4.tmp-')), []);
  t.diagnostic(`double SIGINT left ${left.files.length} files (${left.files.filter((f) => f.startsWith('depth/')).length} depth maps), ${left.temps.length} hidden temp files`);
  await resumeMatchesReference(out);
});

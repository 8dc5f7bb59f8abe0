import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startCli, type RunningCli } from '../helpers/cli.js';
import { writeSynth } from '../../src/synth/write.js';
import { readCsv } from '../../src/io/csv.js';
import { probeVideo } from '../../src/video/decode.js';

/* `depthkit video` as a user runs it: exit codes, one-line errors, and Ctrl-C in the middle of a run. */
let tmp: string;
let synth: Awaited<ReturnType<typeof writeSynth>>;

before(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'depthkit-video-cli-'));
  synth = await writeSynth(path.join(tmp, 's'), { scene: 'room', frames: 40, width: 96, height: 72, fps: 12, fov: 70, seed: 2, motion: 'pan', saveFrames: false });
});
after(() => fs.rm(tmp, { recursive: true, force: true }));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI; `onStderr` may send a signal once the output shows progress. */
function cli(args: string[], onStderr?: (text: string, run: RunningCli) => void): Promise<Run> {
  return startCli(['video', ...args], { detached: false, onStderr }).done;
}

/** depthkit's own error lines (other warnings on stderr are not ours). */
const errorLines = (r: Run) => r.stderr.split('\n').filter((l) => l.startsWith('depthkit:'));

test('a missing video: one line, exit 2, nothing written', async () => {
  const out = path.join(tmp, 'never');
  const missing = await cli([path.join(tmp, 'nope.mp4'), '--depth', synth.depth, '--out', out]);
  assert.equal(missing.code, 2);
  assert.equal(errorLines(missing).length, 1);
  assert.match(errorLines(missing)[0], /nope\.mp4: file not found/);
  await assert.rejects(fs.stat(out));
});

test('Ctrl-C mid-run: exit 130, CSVs and preview valid for the frames done, and the hint to --resume', async () => {
  const out = path.join(tmp, 'int');
  let sent = false;
  const r = await cli([synth.video, '--depth', `gt=${synth.depth}`, '--depth-scale', '1000', '--out', out, '--verbose'], (text, run) => {
    if (!sent && /frame 3 done/.test(text)) {
      sent = true;
      run.kill('SIGINT');
    }
  });
  assert.ok(sent, r.stderr);
  assert.equal(r.code, 130, r.stderr);
  assert.match(errorLines(r)[0], /interrupted after \d+ frame\(s\).*--resume/);
  const run = JSON.parse(await fs.readFile(path.join(out, 'run.json'), 'utf8'));
  assert.equal(run.interrupted, true);
  const frames = await readCsv(path.join(out, 'frames.csv'));
  assert.equal(frames.rows.length, run.frames_done);
  assert.ok(run.frames_done >= 3 && run.frames_done < 40, `frames ${run.frames_done}`);
  assert.deepEqual(frames.rows.map((row) => Number(row.frame)), Array.from({ length: run.frames_done }, (_, i) => i));
  const summary = await readCsv(path.join(out, 'summary.csv'));
  assert.equal(Number(summary.rows[0].frames), run.frames_done);
  const preview = await probeVideo(path.join(out, 'preview.mp4'));
  assert.equal(preview.width, 192);
  assert.equal(preview.frameCount, run.frames_done);
  const stray = (await fs.readdir(out)).filter((n) => n.includes('.tmp-'));
  assert.deepEqual(stray, []);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { depthkit, ROOT } from '../helpers/cli.js';

const hasNpm = spawnSync('npm', ['--version'], { encoding: 'utf8' }).status === 0;

test('npm gives no "Unknown project config" warning in the project (no unknown .npmrc key)', { skip: !hasNpm }, () => {
  const r = spawnSync('npm', ['pkg', 'get', 'name'], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /Unknown (project|user|env) config/);
  // Nothing install-time in .npmrc: the scripts that download (onnxruntime-node's CUDA provider, node-av's ffmpeg
  // binary) are refused by allowScripts, so a plain `npm ci` needs no setting at all.
  const npmrc = path.join(ROOT, '.npmrc');
  if (existsSync(npmrc)) assert.doesNotMatch(readFileSync(npmrc, 'utf8'), /onnxruntime-node-install/);
  const allow = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { allowScripts: Record<string, boolean> }).allowScripts;
  for (const pkg of ['onnxruntime-node', 'node-av', 'webgpu']) assert.equal(allow[pkg], false, pkg);
});

test('the README says how to run depthkit after npm ci, and that way works (npx depthkit, after the build)', { skip: !hasNpm || !existsSync(path.join(ROOT, 'dist', 'commands')) }, () => {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  assert.match(readme, /npx depthkit --help/);
  assert.match(readme, /npm link/);
  const r = spawnSync('npx', ['--no-install', 'depthkit', '--version'], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^depthkit\/\d+\.\d+\.\d+/);
});

test('depthkit model --help describes the topic, not the export command', () => {
  const r = depthkit(['model', '--help']);
  assert.equal(r.code, 0, r.stderr);
  const first = r.stdout.split('\n')[0];
  assert.match(first, /checkpoints: init .*info .*export/);
  assert.doesNotMatch(first, /^Export/);
  assert.match(r.stdout, /model export/);
});

test('clip.mp4 and clip.webm get different default run folders', async () => {
  const { videoOutDir } = await import('../../src/video/run-video.js');
  const mp4 = videoOutDir({ video: path.join('videos', 'clip.mp4') });
  const webm = videoOutDir({ video: path.join('videos', 'clip.webm') });
  assert.notEqual(mp4, webm);
  assert.equal(mp4, path.join('videos', 'clip.mp4.depthkit'));
  assert.equal(videoOutDir({ video: 'frames/' }), 'frames.depthkit');
  assert.equal(videoOutDir({ video: 'clip.mp4', out: 'o' }), 'o');
});

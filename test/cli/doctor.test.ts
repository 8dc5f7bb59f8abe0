import { test } from 'node:test';
import assert from 'node:assert/strict';
import { depthkit } from '../helpers/cli.js';
import { parseFfmpegVersion, checkFfmpegVersion } from '../../src/video/ffmpeg-locate.js';

test('parseFfmpegVersion reads Debian, static and git banners', () => {
  assert.deepEqual(parseFfmpegVersion('ffmpeg version 5.1.6-0+deb12u1 Copyright (c) 2000-2024'), { version: '5.1.6-0+deb12u1', major: 5 });
  assert.deepEqual(parseFfmpegVersion('ffmpeg version n7.1 Copyright'), { version: 'n7.1', major: 7 });
  assert.equal(parseFfmpegVersion('not ffmpeg'), undefined);
});

test('ffmpeg older than 5 is refused with a one-line error', () => {
  assert.throws(
    () => checkFfmpegVersion({ ffmpeg: '/opt/ff', ffprobe: 'ffprobe', version: '4.1', major: 4 }),
    /\/opt\/ff is version 4.1; depthkit needs ffmpeg 5 or newer/,
  );
});

test('depthkit doctor --json names a backend and the ffmpeg version', () => {
  const r = depthkit(['doctor', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout);
  assert.ok(['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'].includes(report.backend));
  assert.ok(['onnx-cuda', 'webgpu', 'tensorflow-gpu', 'onnx', 'tensorflow', 'wasm', 'cpu'].includes(report.engine));
  // A software Vulkan device (lavapipe, as in CI) runs webgpu but auto does not pick it over the CPU.
  const webgpu = report.engines.find((e: { name: string }) => e.name === 'webgpu');
  if (webgpu.autoSkip) assert.notEqual(report.engine, 'webgpu');
  // Without a GPU and without the optional native packages, inference falls to ONNX Runtime on the CPU.
  if (!report.engines.find((e: { name: string; available: boolean }) => e.name === 'onnx-cuda').available) {
    assert.notEqual(report.engine, 'onnx-cuda');
  }
  assert.match(report.node, /^v\d+/);
  // Both FFmpegs are reported; the embedded one (node-av's addon, part of npm ci) is the one in use by default.
  assert.equal(report.ffmpeg.inUse, 'embedded');
  assert.equal(report.ffmpeg.embedded.available, true, report.ffmpeg.embedded.problem);
  assert.match(report.ffmpeg.embedded.version, /^\d+\.\d+/);
  assert.equal(typeof report.ffmpeg.system.available, 'boolean');
});

test('doctor: --ffmpeg system, DEPTHKIT_FFMPEG=system and FFMPEG_PATH switch the FFmpeg in use', () => {
  const text = depthkit(['doctor', '--ffmpeg', 'system']);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /^ffmpeg {5}system \(--ffmpeg system\)$/m);
  assert.match(text.stdout, /^ {2}\+ embedded {2}\d+\.\d+\S* \(@seydx\/node-av-/m);
  const env = JSON.parse(depthkit(['doctor', '--json'], { env: { DEPTHKIT_FFMPEG: 'system' } }).stdout);
  assert.equal(env.ffmpeg.inUse, 'system');
  const explicit = JSON.parse(depthkit(['doctor', '--json', '--ffmpeg', 'embedded'], { env: { DEPTHKIT_FFMPEG: 'system' } }).stdout);
  assert.equal(explicit.ffmpeg.inUse, 'embedded', 'an explicit --ffmpeg wins over the environment');
});

test('a missing FFMPEG_PATH is a one-line error in doctor', () => {
  const r = depthkit(['doctor', '--json'], { env: { FFMPEG_PATH: '/nonexistent/ffmpeg' } });
  const report = JSON.parse(r.stdout);
  assert.match(report.ffmpeg.system.problem, /ffmpeg not found at "\/nonexistent\/ffmpeg"/);
  assert.equal(report.ffmpeg.inUse, 'system', 'FFMPEG_PATH names the system ffmpeg');
});

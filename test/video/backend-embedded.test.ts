import test from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT } from '../helpers/cli.js';
import { embeddedBackend as embedded } from '../../src/video/backend/embedded.js';
import { resolveFfmpeg, videoBackend } from '../../src/video/backend/index.js';
import type { RawFrame } from '../../src/video/backend/types.js';
import { createEncoder } from '../../src/video/encode.js';

const REAL = path.join(ROOT, '..', 'shared', 'data', 'real', 'videos');
const HAS_SYSTEM_FFMPEG = spawnSync('ffmpeg', ['-version']).status === 0;
const tmp = () => fs.mkdtemp(path.join(os.tmpdir(), 'dk-embedded-'));

/**
 * Frame i: the top half grey at 30 * i (the index, which 4:2:0 chroma cannot blur), the bottom half a red ramp
 * along x and a green ramp along y (position and orientation).
 */
function pattern(i: number, w: number, h: number): Uint8Array {
  const rgb = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const p = 3 * (y * w + x);
      if (y < h / 2) rgb.fill(30 * i, p, p + 3);
      else [rgb[p], rgb[p + 1]] = [Math.round((255 * x) / (w - 1)), Math.round((255 * y) / (h - 1))];
    }
  }
  return rgb;
}

async function encodeClip(file: string, w: number, h: number, n: number, fps = 10): Promise<void> {
  const enc = await createEncoder(file, { width: w, height: h, fps, crf: 0, ffmpeg: 'embedded' });
  for (let i = 0; i < n; i++) await enc.write(pattern(i, w, h));
  await enc.close();
}

async function collect(gen: AsyncGenerator<RawFrame>, max = Infinity): Promise<RawFrame[]> {
  const out: RawFrame[] = [];
  for await (const f of gen) {
    out.push(f);
    if (out.length >= max) break;
  }
  return out;
}

function meanAbs(a: Uint8Array, b: Uint8Array, channel?: number): number {
  let sum = 0;
  let n = 0;
  for (let k = 0; k < a.length; k++) {
    if (channel !== undefined && k % 3 !== channel) continue;
    sum += Math.abs(a[k] - b[k]);
    n++;
  }
  return sum / n;
}

test('resolveFfmpeg: auto is embedded unless the environment names the system ffmpeg; explicit choices win', () => {
  assert.equal(resolveFfmpeg('auto', {}), 'embedded');
  assert.equal(resolveFfmpeg(undefined, {}), 'embedded');
  assert.equal(resolveFfmpeg('auto', { FFMPEG_PATH: '/opt/ffmpeg' }), 'system');
  assert.equal(resolveFfmpeg('auto', { DEPTHKIT_FFMPEG: 'system' }), 'system');
  assert.equal(resolveFfmpeg('auto', { DEPTHKIT_FFMPEG: 'embedded', FFMPEG_PATH: '/opt/ffmpeg' }), 'embedded');
  assert.equal(resolveFfmpeg('embedded', { DEPTHKIT_FFMPEG: 'system' }), 'embedded');
  assert.equal(resolveFfmpeg('system', {}), 'system');
});

test('embedded encoder -> embedded decoder: size, rate, count, pts and pixels of a generated 32x24 clip', async () => {
  const dir = await tmp();
  const file = path.join(dir, 'clip.mp4');
  await encodeClip(file, 32, 24, 6);
  const info = await embedded.probe(file);
  assert.deepEqual(
    { w: info.width, h: info.height, fps: info.fps, n: info.frameCount, exact: info.frameCountExact, codec: info.codec, rot: info.rotation },
    { w: 32, h: 24, fps: 10, n: 6, exact: true, codec: 'h264', rot: 0 },
  );
  assert.ok(Math.abs(info.duration - 0.6) < 1e-9, `duration ${info.duration}: the last frame keeps its length`);
  const packets = Array.from(await embedded.packetTimes(file, info)).sort((a, b) => a - b);
  assert.deepEqual(packets.map((t) => Math.round(t * 10)), [0, 1, 2, 3, 4, 5]);
  const frames = await collect(embedded.frames(file, info, { width: 32, height: 24 }));
  assert.equal(frames.length, 6);
  frames.forEach((f, i) => {
    assert.ok(Math.abs(f.pts - i / 10) < 1e-9, `frame ${i} pts ${f.pts}`);
    // yuv420p (4:2:0, limited range) costs a few levels even at crf 0; the index must read back within 2 levels.
    assert.ok(meanAbs(f.rgb.data, pattern(i, 32, 24)) < 6, `frame ${i} pixels: mean error ${meanAbs(f.rgb.data, pattern(i, 32, 24))}`);
    assert.ok(Math.abs(f.rgb.data[3 * (4 * 32 + 16)] - 30 * i) <= 2, `frame ${i} index in the grey half: ${f.rgb.data[3 * (4 * 32 + 16)]}`);
  });
  // Scaled output: the requested size, same count.
  const small = await collect(embedded.frames(file, info, { width: 16, height: 12 }));
  assert.deepEqual([small.length, small[0].rgb.width, small[0].rgb.height, small[0].rgb.data.length], [6, 16, 12, 16 * 12 * 3]);
  // Stopping early releases the decoder; the file decodes again from the start.
  assert.equal((await collect(embedded.frames(file, info, { width: 32, height: 24 }), 2)).length, 2);
  // Seeking: frames start at or before the point (the caller filters), on the stream clock.
  const sought = await collect(embedded.frames(file, info, { width: 32, height: 24, seek: 0.3 }));
  assert.ok(sought.length >= 3 && sought[sought.length - 1].pts > 0.49, `seek 0.3: ${sought.map((f) => f.pts)}`);
  await fs.rm(dir, { recursive: true });
});

test('odd sizes are padded to even (black) and decode back; a 1-frame 2x2 clip decodes', async () => {
  const dir = await tmp();
  const odd = path.join(dir, 'odd.mp4');
  await encodeClip(odd, 161, 97, 2);
  const info = await embedded.probe(odd);
  assert.deepEqual([info.width, info.height, info.frameCount], [162, 98, 2]);
  const [f] = await collect(embedded.frames(odd, info, { width: 162, height: 98 }), 1);
  const at = (x: number, y: number) => Array.from(f.rgb.data.subarray(3 * (y * 162 + x), 3 * (y * 162 + x) + 3));
  // Black, but for the colour that 4:2:0 chroma shares with the neighbouring content pixel.
  assert.ok(at(161, 70).every((v) => v < 64) && at(160, 70)[0] > 200, `padding column is black: ${at(161, 70)} beside ${at(160, 70)}`);
  assert.ok(at(80, 97).every((v) => v < 64) && at(80, 96)[1] > 200, `padding row is black: ${at(80, 97)} below ${at(80, 96)}`);
  assert.ok(Math.abs(at(80, 72)[0] - 128) < 6, `content kept: ${at(80, 72)}`);
  const tiny = path.join(dir, 'tiny.mp4');
  await encodeClip(tiny, 2, 2, 1);
  const ti = await embedded.probe(tiny);
  assert.deepEqual([ti.width, ti.height, ti.frameCount], [2, 2, 1]);
  assert.equal((await collect(embedded.frames(tiny, ti, { width: 2, height: 2 }))).length, 1);
  await fs.rm(dir, { recursive: true });
});

test('unreadable inputs: one-line DepthkitError naming the file, never a hang', async () => {
  const dir = await tmp();
  const empty = path.join(dir, 'zero.mp4');
  await fs.writeFile(empty, '');
  const text = path.join(dir, 'notes with space\nand ünïcode.mp4');
  await fs.writeFile(text, 'not a video at all\n'.repeat(100));
  const noMoov = path.join(dir, 'no-moov.mp4');
  await encodeClip(noMoov, 32, 24, 3);
  const bytes = await fs.readFile(noMoov);
  const at = bytes.indexOf('moov') - 4; // the index box (first: +faststart) cut out, as a recording stopped before its end
  await fs.writeFile(noMoov, Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + bytes.readUInt32BE(at))]));
  const cases: [string, RegExp][] = [
    [empty, /empty file/],
    [dir, /not a file/],
    [path.join(dir, 'missing.mp4'), /file not found/],
    ['http://127.0.0.1:9/clip.mp4', /file not found/],
    ['-', /file not found/],
    [text, /not a readable video/],
    [noMoov, /not a readable video|has no video stream|no frame size/],
  ];
  for (const [file, why] of cases) {
    await assert.rejects(embedded.probe(file), (err: Error) => {
      assert.equal(err.name, 'DepthkitError', err.message);
      assert.ok(err.message.startsWith(`${file.replace(/\n/g, '\\n')}: `), err.message);
      assert.match(err.message, why);
      assert.doesNotMatch(err.message, /\n/);
      return true;
    });
  }
  await fs.rm(dir, { recursive: true });
});

test('--hwaccel cuda without a device (or codec support) falls back to software with a note; frames identical', async () => {
  const dir = await tmp();
  const file = path.join(dir, 'clip.mp4');
  await encodeClip(file, 32, 24, 3);
  const info = await embedded.probe(file);
  const notes: string[] = [];
  const hw = await collect(embedded.frames(file, info, { width: 32, height: 24, hwaccel: 'cuda', note: (l) => notes.push(l) }));
  const sw = await collect(embedded.frames(file, info, { width: 32, height: 24 }));
  if (notes.length === 0) return; // a CUDA device is present: nothing to fall back from (NVDEC output is checked elsewhere)
  assert.match(notes[0], /^--hwaccel cuda: .*; decoding in software$/);
  assert.deepEqual(hw.map((f) => f.rgb.data), sw.map((f) => f.rgb.data));
  const auto: string[] = [];
  await collect(embedded.frames(file, info, { width: 32, height: 24, hwaccel: 'auto', note: (l) => auto.push(l) }));
  assert.deepEqual(auto, [], 'auto falls back silently');
  await fs.rm(dir, { recursive: true });
});

test('real clips: vtest.avi (msmpeg4, 795 frames) and tree.avi (header 444, 68 packets and frames)', { skip: !existsSync(REAL) && 'shared data absent' }, async () => {
  const vtest = path.join(REAL, 'vtest.avi');
  const vi = await embedded.probe(vtest);
  assert.deepEqual([vi.width, vi.height, vi.fps, vi.frameCount, vi.codec, vi.streamIndex], [768, 576, 10, 795, 'msmpeg4v3', 0]);
  assert.equal((await embedded.packetTimes(vtest, vi)).length, 795);
  const vf = await collect(embedded.frames(vtest, vi, { width: 96, height: 72 }));
  assert.equal(vf.length, 795);
  assert.deepEqual([vf[0].pts, vf[794].pts], [0, 79.4]);
  const tree = path.join(REAL, 'tree.avi');
  const ti = await embedded.probe(tree);
  assert.deepEqual([ti.frameCount, ti.frameCountExact, ti.codec], [444, true, 'cinepak'], 'the header promises 444');
  assert.equal((await embedded.packetTimes(tree, ti)).length, 68);
  assert.equal((await collect(embedded.frames(tree, ti, { width: 320, height: 240 }))).length, 68);
});

/*
 * Tolerance between the two FFmpegs (embedded 8.1, Debian's 5.1 here), both scaling with swscale bilinear +
 * accurate_rnd + full chroma interpolation, measured: downscaling is bit-exact on the generated H.264 clips and on
 * the synth video (160x120 -> 80x60), within 2 levels on 0.029% of the values for vtest.avi (msmpeg4 768x576 ->
 * 320x240); tree.avi (cinepak, rgb, no resize) bit-exact. At the stored size (no resize) the yuv -> rgb conversion
 * itself differs on sharp colour edges (synth 160x120: up to 34 levels, 35% of values; both 12.0-12.5 levels from
 * the source pattern): only the mean is bounded there.
 */
test('embedded and system FFmpeg give the same frames when scaling (bit-exact, or within 2 levels on < 0.1% of values)', { skip: !HAS_SYSTEM_FFMPEG && 'no system ffmpeg' }, async () => {
  const dir = await tmp();
  const clip = path.join(dir, 'clip.mp4');
  await encodeClip(clip, 48, 32, 4);
  const system = videoBackend('system');
  // Bit-exact is asked only where the system backend scales with the same swscale flags (system.ts SWS_FLAGS).
  const sameScaler = (await import('../../src/video/backend/system.js') as { SWS_FLAGS?: string }).SWS_FLAGS === 'bilinear+accurate_rnd+full_chroma_int+full_chroma_inp';
  const files: [string, number, number, boolean][] = [[clip, 24, 16, true], [clip, 48, 32, false]];
  if (existsSync(REAL)) files.push([path.join(REAL, 'tree.avi'), 320, 240, true], [path.join(REAL, 'vtest.avi'), 320, 240, false]);
  for (const [file, width, height, exact] of files) {
    const info = await embedded.probe(file);
    const a = await collect(embedded.frames(file, info, { width, height }), 60);
    const b = await collect(system.frames(file, await system.probe(file), { width, height }), 60);
    assert.equal(a.length, b.length, file);
    let max = 0;
    let differ = 0;
    let sum = 0;
    let total = 0;
    a.forEach((f, i) => {
      assert.ok(Math.abs(f.pts - b[i].pts) < 1e-4, `${file} frame ${i}: pts ${f.pts} vs ${b[i].pts}`);
      for (let k = 0; k < f.rgb.data.length; k++) {
        const d = Math.abs(f.rgb.data[k] - b[i].rgb.data[k]);
        if (d > max) max = d;
        if (d) differ++;
        sum += d;
      }
      total += f.rgb.data.length;
    });
    const what = `${file} at ${width}x${height}: max ${max}, ${((100 * differ) / total).toFixed(3)}% differ, mean ${(sum / total).toFixed(3)}`;
    if (exact && sameScaler) assert.equal(max, 0, `${what}: bit-exact`);
    if (width < info.width && sameScaler) assert.ok(max <= 2 && differ / total < 1e-3, what);
    else assert.ok(sum / total < 3, what);
  }
  await fs.rm(dir, { recursive: true });
});

test('rotation metadata: frames come out upright, as the ffmpeg command line shows them', { skip: !HAS_SYSTEM_FFMPEG && 'no system ffmpeg' }, async () => {
  const dir = await tmp();
  const clip = path.join(dir, 'clip.mp4');
  await encodeClip(clip, 48, 32, 2);
  const system = videoBackend('system');
  for (const rotate of [90, 180, 270]) {
    const rotated = path.join(dir, `rot${rotate}.mp4`);
    execFileSync('ffmpeg', ['-v', 'error', '-y', '-i', clip, '-c', 'copy', '-metadata:s:v', `rotate=${rotate}`, rotated]);
    const info = await embedded.probe(rotated);
    const swap = rotate !== 180;
    assert.deepEqual([info.width, info.height, info.codedWidth], swap ? [32, 48, 48] : [48, 32, 48], `rotate=${rotate}`);
    const half = { width: info.width / 2, height: info.height / 2 };
    const [a] = await collect(embedded.frames(rotated, info, half), 1);
    const [b] = await collect(system.frames(rotated, await system.probe(rotated), half), 1);
    // A wrong turn moves the ramps and the grey half: tens of levels on average.
    assert.ok(meanAbs(a.rgb.data, b.rgb.data) < 3, `rotate=${rotate}: mean difference to the CLI ${meanAbs(a.rgb.data, b.rgb.data)}`);
  }
  await fs.rm(dir, { recursive: true });
});

import test from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { embeddedBackend as embedded } from '../../src/video/backend/embedded.js';
import { createEncoder } from '../../src/video/encode.js';

const HAS_SYSTEM_FFMPEG = spawnSync('ffmpeg', ['-version']).status === 0;
const CHOICES = HAS_SYSTEM_FFMPEG ? (['embedded', 'system'] as const) : (['embedded'] as const);

/** Frame i of a w x h clip: grey 20 * i + 10 (the index) with a bright square whose x moves with i. */
function frame(i: number, w: number, h: number): Uint8Array {
  const rgb = new Uint8Array(w * h * 3).fill(20 * i + 10);
  for (let y = 8; y < 16; y++) for (let x = 4 * i; x < 4 * i + 8; x++) rgb.fill(240, 3 * (y * w + x), 3 * (y * w + x) + 3);
  return rgb;
}

for (const ffmpeg of CHOICES) {
  test(`${ffmpeg} encoder: the video re-decodes to its frames (count, rate, pixels), and nothing is left beside it`, async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dk-encode-'));
    const file = path.join(dir, 'out.mp4');
    const enc = await createEncoder(file, { width: 48, height: 32, fps: 12, crf: 0, ffmpeg });
    for (let i = 0; i < 7; i++) await enc.write(frame(i, 48, 32));
    await enc.close();
    assert.deepEqual(await fs.readdir(dir), ['out.mp4'], 'the temp file was renamed');
    const info = await embedded.probe(file);
    assert.deepEqual([info.width, info.height, info.fps, info.frameCount, info.codec], [48, 32, 12, 7, 'h264']);
    let i = 0;
    for await (const f of embedded.frames(file, info, { width: 48, height: 32 })) {
      assert.ok(Math.abs(f.pts - i / 12) < 1e-6, `frame ${i} pts ${f.pts}`);
      assert.ok(Math.abs(f.rgb.data[3 * (28 * 48 + 40)] - (20 * i + 10)) <= 2, `frame ${i}: its grey level`);
      assert.ok(f.rgb.data[3 * (12 * 48 + 4 * i + 4)] > 200, `frame ${i}: its square`);
      i++;
    }
    assert.equal(i, 7);
    await fs.rm(dir, { recursive: true });
  });

  test(`${ffmpeg} encoder: abort leaves no file, an existing video keeps its bytes, a bad folder is one line`, async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dk-encode-'));
    const file = path.join(dir, 'out.mp4');
    await fs.writeFile(file, 'previous');
    const enc = await createEncoder(file, { width: 32, height: 24, fps: 10, ffmpeg });
    await enc.write(frame(0, 32, 24));
    await enc.abort();
    assert.deepEqual(await fs.readdir(dir), ['out.mp4']);
    assert.equal(await fs.readFile(file, 'utf8'), 'previous');
    const missing = path.join(dir, 'no', 'such', 'dir', 'x.mp4');
    await assert.rejects(
      (async () => {
        const e = await createEncoder(missing, { width: 32, height: 24, fps: 10, ffmpeg });
        await e.write(frame(0, 32, 24));
        await e.close();
      })(),
      (err: Error) => err.name === 'DepthkitError' && err.message.startsWith(`${missing}: `) && !err.message.includes('\n'),
    );
    await fs.rm(dir, { recursive: true });
  });
}

import { mkdtempSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { videoBackend } from '../../src/video/backend/index.js';
import { createEncoder } from '../../src/video/encode.js';
import type { BenchRow } from './types.js';

const FRAMES = 90;

/** A moving gradient with a moving square: changes everywhere, so the decoder does real work on every frame. */
function frame(i: number, w: number, h: number): Uint8Array {
  const rgb = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const p = 3 * (y * w + x);
      const inSquare = Math.abs(x - ((i * 17) % w)) < 120 && Math.abs(y - h / 2) < 120;
      rgb[p] = (x + 3 * i) & 255;
      rgb[p + 1] = (y + 5 * i) & 255;
      rgb[p + 2] = inSquare ? 255 : (x ^ y) & 255;
    }
  }
  return rgb;
}

async function decodeFps(which: 'embedded' | 'system', file: string): Promise<number> {
  const backend = videoBackend(which);
  const info = await backend.probe(file);
  const t0 = performance.now();
  let n = 0;
  for await (const f of backend.frames(file, info, { width: 320, height: 240 })) n += f.rgb.data.length > 0 ? 1 : 0;
  if (n !== FRAMES) throw new Error(`${which} decoded ${n} of ${FRAMES} frames`);
  return n / ((performance.now() - t0) / 1000);
}

/**
 * Decoding a 1080p H.264 clip to 320x240 rgb24: the embedded FFmpeg in process (node-av) against the ffmpeg
 * command line writing the same frames to a pipe, alternated and best of three each, in one run.
 */
export async function benchDecode(): Promise<BenchRow[]> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'depthkit-bench-decode-'));
  try {
    const file = path.join(dir, '1080p.mp4');
    const enc = await createEncoder(file, { width: 1920, height: 1080, fps: 30, crf: 23, ffmpeg: 'embedded' });
    for (let i = 0; i < FRAMES; i++) await enc.write(frame(i, 1920, 1080));
    await enc.close();
    const hasSystem = spawnSync('ffmpeg', ['-version']).status === 0;
    const best = { embedded: 0, system: 0 };
    for (let round = 0; round < 3; round++) {
      best.embedded = Math.max(best.embedded, await decodeFps('embedded', file));
      if (hasSystem) best.system = Math.max(best.system, await decodeFps('system', file));
    }
    const rows: BenchRow[] = [{ name: `embedded FFmpeg decode, 1080p H.264 -> 320x240 (${FRAMES} frames)`, value: best.embedded, unit: 'fps' }];
    if (hasSystem) {
      rows.push(
        { name: 'ffmpeg command line to a pipe, same clip and size', value: best.system, unit: 'fps' },
        { name: 'ratio embedded / command line', value: best.embedded / best.system, unit: 'x' },
      );
    }
    return rows;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

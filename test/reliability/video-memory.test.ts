import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { readCsv, writeCsv } from '../../src/io/csv.js';
import { formatPeakMemory, parsePeakMemory, peakRssBytes, sampleMemory } from '../../src/util/peak-memory.js';
import { decodeFrames } from '../../src/video/decode.js';
import { startFfmpeg } from '../../src/video/ffmpeg.js';
import { openFrameLog } from '../../src/video/frame-log.js';
import { depthkit, ROOT } from '../helpers/cli.js';

const MODEL = path.join(ROOT, 'test/reference/model');
const tmp = () => fs.mkdtemp(path.join(os.tmpdir(), 'depthkit-video-memory-'));

test('the peak memory line formats and parses in MiB', () => {
  assert.equal(formatPeakMemory(300 * 2 ** 20), 'peak memory: 300 MiB RSS');
  assert.equal(formatPeakMemory(1.6 * 2 ** 20), 'peak memory: 2 MiB RSS');
  assert.equal(parsePeakMemory(`frame 3 done\n${formatPeakMemory(123 * 2 ** 20)}\nnote: x\n`), 123);
  assert.equal(parsePeakMemory('peak memory: lots'), undefined);
  // The kernel's high-water mark is at least the resident size read before it.
  const rss = process.memoryUsage().rss;
  assert.ok(peakRssBytes() >= rss, `${peakRssBytes()} < ${rss}`);
  assert.match(formatPeakMemory(), /^peak memory: [1-9]\d* MiB RSS$/);
});

test('a process started by a large one reports its own peak memory, not the parent process peak', () => {
  // ru_maxrss survives fork + exec on Linux: read through it, this child would report the 512 MiB held here.
  const held = Buffer.alloc(512 * 2 ** 20, 1);
  const code = `import { peakRssBytes } from ${JSON.stringify(path.join(ROOT, 'src/util/peak-memory.ts'))};
process.stdout.write(String(peakRssBytes()));`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(held[held.length - 1], 1);
  assert.equal(r.status, 0, r.stderr);
  const peak = Number(r.stdout);
  assert.ok(peak > 0 && peak < held.byteLength / 2, `child peak ${(peak / 2 ** 20).toFixed(0)} MiB`);
});

test('sampleMemory sees a buffer held while it samples', () => {
  const sampler = sampleMemory(10);
  const held = new Uint8Array(64 * 2 ** 20).fill(1);
  const peaks = sampler.stop();
  assert.equal(held[held.length - 1], 1);
  assert.ok(peaks.arrayBuffers >= held.byteLength, `arrayBuffers peak ${peaks.arrayBuffers}`);
  assert.ok(peaks.rss >= held.byteLength && peaks.heapUsed > 0 && peaks.samples >= 2);
});

test('ffmpeg waits while its raw output is not read (pipe backpressure): nothing piles up in node', async () => {
  const frames = 200;
  const frameBytes = 320 * 180 * 3;
  const run = await startFfmpeg({
    input: `testsrc2=size=320x180:rate=25:duration=${frames / 25}`,
    inputOptions: ['-f', 'lavfi'],
    output: 'pipe',
    outputOptions: ['-pix_fmt', 'rgb24', '-f', 'rawvideo'],
  });
  const output = run.output!;
  let exited = false;
  void run.done.then(() => (exited = true));
  // Unthrottled, ffmpeg writes tens of MB of these 35 MB in the second after its first bytes (26 MB measured with a
  // reader that keeps every chunk, on a loaded 2-core machine); held back by the pipe, node holds 64 KiB.
  await once(output, 'readable');
  await new Promise((r) => setTimeout(r, 1000));
  assert.equal(exited, false, 'ffmpeg finished although nobody read its output');
  assert.ok(output.readableLength <= 4 * frameBytes, `${output.readableLength} bytes buffered in node`);
  let total = 0;
  for await (const chunk of output as AsyncIterable<Buffer>) total += chunk.length;
  assert.equal(total, frames * frameBytes, 'reading resumes ffmpeg to the last frame');
  assert.equal((await run.done).status, 'ok');
});

/** Rows of two sources with every kind of cell: non-finite numbers, missing cells, text that needs CSV quoting. */
function sampleRows(): Record<string, string | number>[][] {
  const names = ['model', 'a,b', ' spaced', 'q"uote'];
  return [0, 1].map((s) =>
    Array.from({ length: 1500 + 700 * s }, (_, i) => ({
      model: names[(2 * s + (i % 2)) % names.length],
      frame: i,
      time: i / 30,
      smoothness: i % 7 === 0 ? NaN : Math.sin(i + s) * 1e-3,
      ...(i % 5 === 0 ? {} : { opw: i % 11 === 0 ? Infinity : i % 13 === 0 ? -Infinity : 1 / (i + 1) }),
    })),
  );
}

test('the frame log stages frames.csv byte-identical to writeCsv of the rows grouped by source', async () => {
  const dir = await tmp();
  const columns = ['model', 'frame', 'time', 'smoothness', 'opw'];
  const rows = sampleRows();
  const log = await openFrameLog(path.join(dir, 'frames.csv'), columns, 2);
  // Interleaved as the pipeline appends them: frame by frame, source by source.
  for (let i = 0; i < rows[1].length; i++) for (const s of [0, 1]) if (rows[s][i]) await log.append(s, rows[s][i]);
  assert.deepEqual([log.count(0), log.count(1)], [1500, 2200]);
  for (const s of [0, 1]) {
    for (const col of ['smoothness', 'opw', 'frame']) {
      const finite = rows[s].map((r) => r[col]).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
      assert.equal(log.mean(s, col), finite.reduce((a, b) => a + b, 0) / finite.length, `${col} of source ${s}`);
    }
  }
  assert.ok(Number.isNaN(log.mean(0, 'model')) && Number.isNaN(log.mean(0, 'no such column')));
  const staged = await log.stage();
  await writeCsv(path.join(dir, 'reference.csv'), rows.flat(), columns);
  assert.equal(await fs.readFile(staged, 'utf8'), await fs.readFile(path.join(dir, 'reference.csv'), 'utf8'));
  assert.match(path.basename(staged), /^\.frames\.csv\.tmp-\d+-[0-9a-f]{8}$/, 'a hidden temp beside frames.csv, named like writeFileAtomic\'s');
  assert.deepEqual((await fs.readdir(dir)).sort(), [path.basename(staged), 'reference.csv'], 'the other spool is gone');
  await assert.rejects(log.append(0, rows[0][0]), /after the frame log was staged/);
  await fs.rm(dir, { recursive: true, force: true });
});

test('an aborted frame log leaves nothing, open or staged, and never touches frames.csv', async () => {
  const dir = await tmp();
  const file = path.join(dir, 'frames.csv');
  await fs.writeFile(file, 'earlier run');
  for (const stageFirst of [false, true]) {
    const log = await openFrameLog(file, ['model'], 3);
    await log.append(2, { model: 'm' });
    assert.equal((await fs.readdir(dir)).length, 4, 'one hidden spool a source while open');
    if (stageFirst) await log.stage();
    await log.abort();
    assert.deepEqual(await fs.readdir(dir), ['frames.csv']);
  }
  assert.equal(await fs.readFile(file, 'utf8'), 'earlier run');
  await fs.rm(dir, { recursive: true, force: true });
});

test('a 4K clip reaches node at the analysis size and depthkit video --verbose prints its peak memory', async () => {
  const dir = await tmp();
  const clip = path.join(dir, 'uhd.mp4');
  execFileSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=3840x2160:rate=25', '-frames:v', '3', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', clip]);
  const sizes = [];
  for await (const f of decodeFrames(clip, { width: 320, height: 180 })) sizes.push([f.rgb.width, f.rgb.height, f.rgb.data.length]);
  assert.deepEqual(sizes, Array(3).fill([320, 180, 320 * 180 * 3]), 'ffmpeg scales; a 4K frame never reaches node');

  const out = path.join(dir, 'out');
  const r = depthkit(['video', clip, '--checkpoint', path.join(MODEL, 'ckpt-tiny.safetensors'), '--clip', path.join(MODEL, 'clip-tiny.safetensors'), '--backend', 'cpu', '--out', out, '--no-plots', '--verbose']);
  assert.equal(r.code, 0, r.stderr);
  const run = JSON.parse(await fs.readFile(path.join(out, 'run.json'), 'utf8'));
  assert.deepEqual([run.info.width, run.info.height, run.protocol.analysis_size], [3840, 2160, '320x180']);
  assert.equal((await readCsv(path.join(out, 'frames.csv'))).rows.length, 3);
  const png = await sharp(path.join(out, 'depth', '000002.png')).metadata();
  assert.deepEqual([png.width, png.height], [320, 180]);
  const peak = parsePeakMemory(r.stderr);
  assert.ok(peak !== undefined && peak > 0, `no peak memory line in:\n${r.stderr}`);
  await fs.rm(dir, { recursive: true, force: true });
});

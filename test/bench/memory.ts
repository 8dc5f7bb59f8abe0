import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeFrames } from '../../src/video/decode.js';
import type { BenchRow } from './types.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const REF = path.join(ROOT, 'test/reference/model');
const MiB = 2 ** 20;
/** A source module's absolute path as a JS string literal, for the code run in child processes. */
const src = (file: string) => JSON.stringify(path.join(ROOT, 'src', file));

/** What one pipeline run in its own process reports. */
interface ChildRun {
  frames: number;
  seconds: number;
  /** depthkit's own peak (its threads included), from the helper `depthkit video --verbose` prints. */
  nodeMiB: number;
  /** Sampled peak of the JS heap: objects kept per frame would show here first. */
  heapMiB: number;
  /** The largest single process of the run's tree (node or one of its ffmpeg children), from GNU time. */
  treeMiB: number;
  /** With `gcEvery`: the JS heap right after a forced GC at every gcEvery-th frame (what the run retains). */
  retainedMiB: number[];
}

/**
 * Runs the whole `depthkit video` pipeline (tiny model on tfjs-cpu, flow worker, png16, preview) in a fresh node
 * process, so that each peak belongs to one run; `opts` are runVideo options. `gcEvery` forces a GC every so many
 * frames and records the heap left: flat marks mean nothing is kept per frame, whatever the peaks say (a peak
 * includes garbage a longer run lets pile up before a major GC).
 */
function runChild(video: string, out: string, opts: Record<string, unknown>, gcEvery = 0): ChildRun {
  const code = `import { runVideo } from ${src('video/run-video.ts')};
import { loadDepthModel } from ${src('model/engine.ts')};
import { peakRssBytes, sampleMemory } from ${src('util/peak-memory.ts')};
const sampler = sampleMemory(100);
const retained = [];
const t0 = performance.now();
const r = await runVideo({ video: ${JSON.stringify(video)}, out: ${JSON.stringify(out)}, ...${JSON.stringify(opts)},
  onFrame: (done) => { if (${gcEvery} && done % ${gcEvery} === 0) { globalThis.gc(); retained.push(process.memoryUsage().heapUsed); } },
  loadModel: () => loadDepthModel({ checkpoint: ${JSON.stringify(path.join(REF, 'ckpt-tiny.safetensors'))}, clip: ${JSON.stringify(path.join(REF, 'clip-tiny.safetensors'))}, backend: 'cpu', workers: 1 }) });
const peaks = sampler.stop();
process.stdout.write(JSON.stringify({ frames: r.frames, seconds: (performance.now() - t0) / 1000, node: peakRssBytes(), heap: peaks.heapUsed, retained }));`;
  const node = [process.execPath, ...(gcEvery ? ['--expose-gc'] : []), '--import', 'tsx', '--input-type=module', '-e', code];
  const r = spawnSync('/usr/bin/time', ['-f', 'tree-max-kb %M', ...node], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`pipeline child failed: ${r.stderr.slice(-2000)}`);
  const j = JSON.parse(r.stdout) as { frames: number; seconds: number; node: number; heap: number; retained: number[] };
  const treeKb = Number(/tree-max-kb (\d+)/.exec(r.stderr)?.[1]);
  return { frames: j.frames, seconds: j.seconds, nodeMiB: j.node / MiB, heapMiB: j.heap / MiB, treeMiB: treeKb / 1024, retainedMiB: j.retained.map((b) => b / MiB) };
}

/** Peak RSS (MiB) a fresh node process gains over its start while running `code` (a module body; ROOT-relative imports). */
function childPeakGain(code: string): number {
  const body = `import { peakRssBytes } from ${src('util/peak-memory.ts')};
const start = process.memoryUsage().rss;
${code.replace(/@src\(([^)]+)\)/g, (_, f: string) => src(f))}
process.stdout.write(String(peakRssBytes() - start));`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', body], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`rows child failed: ${r.stderr.slice(-2000)}`);
  return Number(r.stdout) / MiB;
}

/**
 * The per-frame rows of a 2-hour video analysed at every frame (180,000 rows, one source, frames.csv's columns
 * without ground truth): kept in memory and written at the end with writeCsv, as depthkit did before, against
 * the frame log that streams them to disk as they come (what runVideo uses).
 */
function benchRows(): BenchRow[] {
  const rows = 180000;
  const make = `const cols = ['model', 'frame', 'time', 'smoothness', 'opw', 'rtc_101', 'rtc_105', 'flicker', 'flow_mag'];
const row = (i) => ({ model: 'model', frame: i, time: i / 25, smoothness: Math.sin(i), opw: Math.cos(i), rtc_101: 1 / (i + 1), rtc_105: i % 3, flicker: Math.sqrt(i), flow_mag: i / 7 });
const dir = (await import('node:fs')).mkdtempSync((await import('node:path')).join((await import('node:os')).tmpdir(), 'depthkit-rows-'));
const file = dir + '/frames.csv';`;
  const kept = childPeakGain(`import { writeCsv } from @src(io/csv.ts);
${make}
const all = [];
for (let i = 0; i < ${rows}; i++) all.push(row(i));
await writeCsv(file, all, cols, {});
(await import('node:fs')).rmSync(dir, { recursive: true });`);
  const logged = childPeakGain(`import { openFrameLog } from @src(video/frame-log.ts);
${make}
const log = await openFrameLog(file, cols, 1);
for (let i = 0; i < ${rows}; i++) await log.append(0, row(i));
await log.stage();
(await import('node:fs')).rmSync(dir, { recursive: true });`);
  return [
    { name: '180,000 frame rows kept, frames.csv written at the end: peak RSS gain', value: kept, unit: 'MiB' },
    { name: 'the same rows streamed by the frame log: peak RSS gain', value: logged, unit: 'MiB' },
  ];
}

function ffmpeg(args: string[]): void {
  execFileSync('ffmpeg', ['-v', 'error', '-y', ...args]);
}

/** Frames per second ffmpeg decodes (and scales) while depthkit only reads every `stride`-th frame, the analysis size. */
async function decodeFps(video: string, decoded: number, opts: { stride?: number; width: number; height: number }): Promise<number> {
  const t0 = performance.now();
  for await (const f of decodeFrames(video, opts)) void f;
  return decoded / ((performance.now() - t0) / 1000);
}

/**
 * 4K: a 3 s 3840x2160 testsrc2 clip at 25 fps (75 frames) against the same clip scaled to 640x360, both analysed
 * at the default size (320x180): ffmpeg scales before the frames reach node, so depthkit's own peak must not depend
 * on the source resolution.
 */
async function bench4k(dir: string): Promise<BenchRow[]> {
  const uhd = path.join(dir, 'uhd.mp4');
  const small = path.join(dir, 'uhd-640.mp4');
  ffmpeg(['-f', 'lavfi', '-i', 'testsrc2=size=3840x2160:rate=25:duration=3', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', uhd]);
  ffmpeg(['-i', uhd, '-vf', 'scale=640:360', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', small]);
  const a = runChild(uhd, path.join(dir, 'out-uhd'), {});
  const b = runChild(small, path.join(dir, 'out-640'), {});
  return [
    { name: '4K 3840x2160 clip, 75 frames: depthkit peak RSS', value: a.nodeMiB, unit: 'MiB' },
    { name: 'same clip at 640x360: depthkit peak RSS', value: b.nodeMiB, unit: 'MiB' },
    { name: 'ratio depthkit peak RSS 4K / 640x360', value: a.nodeMiB / b.nodeMiB, unit: 'x', target: '<= 1.2' },
    { name: '4K: largest process of the run (ffmpeg decoding 4K included)', value: a.treeMiB, unit: 'MiB' },
    { name: '640x360: largest process of the run', value: b.treeMiB, unit: 'MiB' },
    { name: '4K pipeline throughput (tiny model, analysis 320x180)', value: a.frames / a.seconds, unit: 'fps' },
    { name: '4K decode + ffmpeg scale to 320x180, alone', value: await decodeFps(uhd, 75, { width: 320, height: 180 }), unit: 'fps' },
  ];
}

/**
 * 2 hours: a 60 s 320x180 testsrc segment at 25 fps looped 120 times by stream copy (180,000 frames, ~16 MB),
 * analysed every 60th frame (3,000 frames; ffmpeg still decodes all 180,000) against the first 5 minutes with the
 * same settings (125 frames). Analysis 64 px and flow 32 px keep the 2-core run to minutes; they change what each
 * frame costs, not what is kept per frame.
 */
async function benchLong(dir: string): Promise<BenchRow[]> {
  const segment = path.join(dir, 'segment.mp4');
  const long = path.join(dir, 'two-hours.mp4');
  ffmpeg(['-f', 'lavfi', '-i', 'testsrc=size=320x180:rate=25:duration=60', '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '40', '-g', '250', '-pix_fmt', 'yuv420p', segment]);
  ffmpeg(['-stream_loop', '119', '-i', segment, '-c', 'copy', '-t', '7200', long]);
  const stride = 60;
  const settings = { stride, analysisSize: 64, flowSize: 32 };
  const full = runChild(long, path.join(dir, 'out-2h'), settings);
  const head = runChild(long, path.join(dir, 'out-5min'), { ...settings, duration: 300 });
  const gcEvery = 250;
  const { retainedMiB: kept } = runChild(long, path.join(dir, 'out-2h-gc'), settings, gcEvery);
  return [
    { name: `2-hour clip size (180,000 frames 320x180)`, value: statSync(long).size / MiB, unit: 'MiB' },
    { name: `2 h, --stride ${stride} (${full.frames} frames analysed): depthkit peak RSS`, value: full.nodeMiB, unit: 'MiB' },
    { name: `first 5 min, same settings (${head.frames} frames): depthkit peak RSS`, value: head.nodeMiB, unit: 'MiB' },
    { name: 'ratio depthkit peak RSS 2 h / 5 min', value: full.nodeMiB / head.nodeMiB, unit: 'x', target: '<= 1.2' },
    { name: 'ratio peak JS heap 2 h / 5 min (sampled every 100 ms)', value: full.heapMiB / head.heapMiB, unit: 'x' },
    { name: `2 h: JS heap after a forced GC at frame ${gcEvery}`, value: kept[0], unit: 'MiB' },
    { name: `the same at frame ${kept.length * gcEvery}`, value: kept[kept.length - 1], unit: 'MiB' },
    { name: `ratio retained heap, frame ${kept.length * gcEvery} / ${gcEvery}`, value: kept[kept.length - 1] / kept[0], unit: 'x', target: '<= 1.05' },
    { name: '2 h: largest process of the run', value: full.treeMiB, unit: 'MiB' },
    { name: `2 h pipeline, frames decoded by ffmpeg per second (${full.frames} analysed)`, value: 180000 / full.seconds, unit: 'fps' },
    { name: `2 h decode + select every ${stride}th + scale to 64x36, alone`, value: await decodeFps(long, 180000, { stride, width: 64, height: 36 }), unit: 'fps' },
  ];
}

/** `npm run bench memory`: peak memory on a 4K clip and a 2-hour clip against short/small controls (never asserted). */
export async function benchMemory(): Promise<BenchRow[]> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'depthkit-bench-memory-'));
  try {
    return [...benchRows(), ...(await bench4k(dir)), ...(await benchLong(dir))];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

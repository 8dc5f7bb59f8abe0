import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_DIS_PRESET, DIS_PRESET_NAMES, type DisPreset } from '../../src/metrics/flow-dis.js';
import { estimateFlowBy, resampleFlow, shrinkRgb, type FlowMethod } from '../../src/metrics/flow-pair.js';
import { endPointError, trueFlow } from '../../src/metrics/flow-truth.js';
import type { RgbImage } from '../../src/metrics/types.js';
import type { FlowField, PairFlows } from '../../src/metrics/warp.js';
import { poseMatrix } from '../../src/synth/camera.js';
import { renderFrame } from '../../src/synth/render.js';
import { planSynth } from '../../src/synth/write.js';
import { decodeFrames } from '../../src/video/decode.js';
import type { BenchRow } from './types.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const PYTHON = '/usr/bin/python3';
/** The project's real clips: shared/ beside the clone (as CI has it), or where DEPTHKIT_SHARED points (a worktree). */
const REAL = path.join(process.env.DEPTHKIT_SHARED ?? path.join(ROOT, '..', 'shared'), 'data', 'real', 'videos');
const CLIPS = [['room', 'pan'], ['room', 'forward'], ['corridor', 'orbit']] as const;
/** Analysis size of the EPE rows (depthkit's default), and the flow size they estimate at (its default). */
const AW = 320;
const AH = 240;
const FLOW = 160;

const hasOpenCv = (): boolean => {
  try {
    execFileSync(PYTHON, ['-c', 'import cv2'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};

/** The OpenCV configuration each depthkit DIS preset is measured against (same parameters). */
const OPENCV: Record<DisPreset, { preset: 'fast' | 'medium'; finest?: number; name: string }> = {
  fast: { preset: 'fast', name: 'OpenCV DIS FAST' },
  medium: { preset: 'medium', name: 'OpenCV DIS MEDIUM' },
  fine: { preset: 'medium', finest: 0, name: 'OpenCV DIS MEDIUM finest 0' },
};

interface Timed {
  flows: PairFlows[];
  /** Wall and CPU milliseconds a pair (both directions), best of 3 passes. */
  ms: number;
  cpu: number;
}

/** OpenCV DIS (both directions of every consecutive pair) on `frames`, as configured for depthkit's `preset`, one thread. */
function openCvFlows(frames: RgbImage[], preset: DisPreset): Timed {
  const { width: w, height: h } = frames[0];
  const cv = OPENCV[preset];
  const dir = mkdtempSync(path.join(os.tmpdir(), 'dk-flow-'));
  try {
    const src = path.join(dir, 'frames.raw');
    const dst = path.join(dir, 'flows.raw');
    writeFileSync(src, Buffer.concat(frames.map((f) => f.data)));
    const args = [path.join(ROOT, 'test/bench/flow_opencv.py'), src, dst, String(frames.length), String(h), String(w), cv.preset, ...(cv.finest === undefined ? [] : [String(cv.finest)])];
    const r = JSON.parse(execFileSync(PYTHON, args, { encoding: 'utf8' })) as { ms_per_pair: number; cpu_ms_per_pair: number };
    const raw = new Float32Array(new Uint8Array(readFileSync(dst)).buffer);
    const field = (k: number, d: number): FlowField => {
      const u = new Float32Array(w * h);
      const v = new Float32Array(w * h);
      const o = ((2 * k + d) * w * h) * 2;
      for (let i = 0; i < w * h; i++) {
        u[i] = raw[o + 2 * i];
        v[i] = raw[o + 2 * i + 1];
      }
      return { u, v, width: w, height: h };
    };
    return { flows: frames.slice(1).map((_, k) => ({ toPrev: field(k, 0), toNext: field(k, 1) })), ms: r.ms_per_pair, cpu: r.cpu_ms_per_pair };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * depthkit's flows of every consecutive pair, and the ms a pair (both directions; best of `passes` passes: V8 needs
 * some hundred calls before the hot loops run optimised, as they do over a video; OpenCV's C++ needs none).
 */
function ownFlows(frames: RgbImage[], method: FlowMethod, preset: DisPreset = DEFAULT_DIS_PRESET, passes = 3): Timed {
  let flows: PairFlows[] = [];
  let ms = Infinity;
  let cpu = Infinity;
  for (let rep = 0; rep < passes; rep++) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    flows = frames.slice(1).map((next, k) => ({ toPrev: estimateFlowBy(method, next, frames[k], preset), toNext: estimateFlowBy(method, frames[k], next, preset) }));
    const c = process.cpuUsage(c0);
    ms = Math.min(ms, (performance.now() - t0) / (frames.length - 1));
    cpu = Math.min(cpu, (c.user + c.system) / 1000 / (frames.length - 1));
  }
  return { flows, ms, cpu };
}

const up = (p: PairFlows): PairFlows => ({ toPrev: resampleFlow(p.toPrev, AW, AH), toNext: resampleFlow(p.toNext, AW, AH) });
const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

/**
 * EPE against the exact flow of synth clips (rendered frames; depth, poses and K known): both directions of 8 pairs a
 * clip, estimated at the default flow size (160x120) and upsampled to the analysis size (320x240), as `depthkit
 * video` does, for depthkit's DIS at each preset and Lucas-Kanade, and OpenCV's DIS configured as each preset.
 */
function synthEpe(cv: boolean): BenchRow[] {
  const rows: BenchRow[] = [];
  for (const [scene, motion] of CLIPS) {
    const plan = planSynth({ scene, motion, frames: 24, width: AW, height: AH, fov: 70, seed: 1 });
    const ids = Array.from({ length: 9 }, (_, k) => 6 + k);
    const rendered = ids.map((i) => renderFrame(plan.scene, plan.poses[i], plan.K, AW, AH));
    const depth = (k: number) => ({ data: rendered[k].depth, width: AW, height: AH });
    const truth = ids.slice(1).map((_, k) => ({
      toNext: trueFlow(depth(k), poseMatrix(plan.poses[ids[k]]), poseMatrix(plan.poses[ids[k + 1]]), plan.K, depth(k + 1)),
      toPrev: trueFlow(depth(k + 1), poseMatrix(plan.poses[ids[k + 1]]), poseMatrix(plan.poses[ids[k]]), plan.K, depth(k)),
    }));
    const small = rendered.map((r) => shrinkRgb(r.rgb, FLOW, (FLOW * AH) / AW));
    const epe = (flows: PairFlows[]) => mean(flows.map(up).flatMap((f, k) => [endPointError(f.toNext, truth[k].toNext.flow, truth[k].toNext.valid), endPointError(f.toPrev, truth[k].toPrev.flow, truth[k].toPrev.valid)]));
    const name = `EPE ${scene}/${motion} (px at 320x240, flow at 160x120)`;
    for (const preset of DIS_PRESET_NAMES) rows.push({ name: `${name}: depthkit DIS ${preset}`, value: epe(ownFlows(small, 'dis', preset).flows), unit: 'px' });
    rows.push({ name: `${name}: depthkit LK`, value: epe(ownFlows(small, 'lk').flows), unit: 'px' });
    if (cv) for (const preset of DIS_PRESET_NAMES) rows.push({ name: `${name}: ${OPENCV[preset].name}`, value: epe(openCvFlows(small, preset).flows), unit: 'px' });
  }
  return rows;
}

async function realFrames(file: string, n: number, width: number, height: number): Promise<RgbImage[]> {
  const frames: RgbImage[] = [];
  for await (const f of decodeFrames(file, { maxFrames: n, width, height })) frames.push(f.rgb);
  return frames;
}

/** Mean EPE between two estimators' flows of the same pairs (both directions): agreement, not accuracy. */
const between = (a: PairFlows[], b: PairFlows[]): number => mean(a.flatMap((f, k) => [endPointError(f.toNext, b[k].toNext), endPointError(f.toPrev, b[k].toPrev)]));

/**
 * On the real clips: how far apart the estimators are (160x120 frames, 8 pairs), and the cost a pair at 160x90 and
 * 320x180 of each DIS preset against OpenCV's DIS with the same parameters, measured alternately (depthkit, OpenCV,
 * depthkit, OpenCV; best of each) so that a change in the machine's load falls on both.
 */
async function realRows(cv: boolean): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const clip of ['vtest', 'tree']) {
    const file = path.join(REAL, `${clip}.avi`);
    if (!existsSync(file)) continue;
    const frames = await realFrames(file, 9, 160, 120);
    const lk = ownFlows(frames, 'lk').flows;
    for (const preset of DIS_PRESET_NAMES) {
      const dis = ownFlows(frames, 'dis', preset).flows;
      rows.push({ name: `${clip}.avi 160x120: mean |DIS ${preset} - LK|`, value: between(dis, lk), unit: 'px' });
      if (cv) rows.push({ name: `${clip}.avi 160x120: mean |DIS ${preset} - ${OPENCV[preset].name}|`, value: between(dis, openCvFlows(frames, preset).flows), unit: 'px' });
    }
    if (cv) rows.push({ name: `${clip}.avi 160x120: mean |LK - ${OPENCV.fine.name}|`, value: between(lk, openCvFlows(frames, 'fine').flows), unit: 'px' });
  }
  const file = path.join(REAL, 'vtest.avi');
  if (!existsSync(file)) return rows;
  for (const [w, h] of [[160, 90], [320, 180]]) {
    const frames = await realFrames(file, 7, w, h);
    const size = `${w}x${h}`;
    rows.push({ name: `flow ms a pair (both directions) ${size}, vtest: depthkit LK`, value: ownFlows(frames, 'lk', DEFAULT_DIS_PRESET, 6).ms, unit: 'ms' });
    for (const preset of DIS_PRESET_NAMES) {
      let own: Timed | undefined;
      let ocv: Timed | undefined;
      for (let round = 0; round < 2; round++) {
        const o = ownFlows(frames, 'dis', preset, 10);
        own = own && own.ms <= o.ms ? own : o;
        if (!cv) continue;
        const c = openCvFlows(frames, preset);
        ocv = ocv && ocv.ms <= c.ms ? ocv : c;
      }
      rows.push({ name: `flow ms a pair ${size}: depthkit DIS ${preset}`, value: own!.ms, unit: 'ms' });
      rows.push({ name: `flow CPU ms a pair ${size}: depthkit DIS ${preset}`, value: own!.cpu, unit: 'ms' });
      if (!ocv) continue;
      const target = preset === 'medium' ? { target: '<= 1' } : {};
      rows.push({ name: `flow ms a pair ${size}: ${OPENCV[preset].name} (1 thread)`, value: ocv.ms, unit: 'ms' });
      rows.push({ name: `flow CPU ms a pair ${size}: ${OPENCV[preset].name}`, value: ocv.cpu, unit: 'ms' });
      rows.push({ name: `ratio depthkit DIS ${preset} / ${OPENCV[preset].name}, ${size}`, value: own!.ms / ocv.ms, unit: 'x', ...target });
      rows.push({ name: `ratio (CPU time) depthkit DIS ${preset} / ${OPENCV[preset].name}, ${size}`, value: own!.cpu / ocv.cpu, unit: 'x' });
    }
  }
  return rows;
}

/** `npm run bench flow`: optical flow accuracy (EPE against exact synth flow) and speed, OpenCV DIS as the anchor. */
export async function benchFlow(): Promise<BenchRow[]> {
  const cv = hasOpenCv();
  return [...(process.env.FLOW_BENCH_REAL_ONLY ? [] : synthEpe(cv)), ...(await realRows(cv))];
}

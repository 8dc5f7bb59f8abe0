import type { Worker } from 'node:worker_threads';
import { DepthkitError } from '../errors.js';
import { estimateFlow } from '../metrics/flow.js';
import { resizeBilinear } from '../metrics/resize.js';
import type { RgbImage } from '../metrics/types.js';
import type { FlowField, PairFlows } from '../metrics/warp.js';
import { startWorker } from '../util/worker-entry.js';
import { fitLongestSide } from '../util/size.js';
import type { FlowReply, FlowRequest } from './flow-worker.js';

/** A flow field resampled to width x height: bilinear in position (half-pixel centres), vectors scaled with the image. */
export function resampleFlow(f: FlowField, width: number, height: number): FlowField {
  if (f.width === width && f.height === height) return f;
  const scaled = (c: Float32Array, s: number) => {
    const out = resizeBilinear({ data: c, width: f.width, height: f.height }, width, height).data;
    for (let i = 0; i < out.length; i++) out[i] *= s;
    return out;
  };
  return { u: scaled(f.u, width / f.width), v: scaled(f.v, height / f.height), width, height };
}

/** Source pixels and weights covering each destination pixel along one axis (exact area coverage). */
function areaTaps(inSize: number, outSize: number): { index: number; weight: number }[][] {
  const scale = inSize / outSize;
  return Array.from({ length: outSize }, (_, d) => {
    const a = d * scale;
    const b = (d + 1) * scale;
    const taps = [];
    for (let i = Math.floor(a); i < Math.min(inSize, Math.ceil(b)); i++) taps.push({ index: i, weight: (Math.min(b, i + 1) - Math.max(a, i)) / scale });
    return taps;
  });
}

/** Area-average downsize of an RGB image (no aliasing, unlike a bilinear tap); float result rounded to bytes. */
export function shrinkRgb(img: RgbImage, width: number, height: number): RgbImage {
  const cols = areaTaps(img.width, width);
  const rows = areaTaps(img.height, height);
  const out = new Uint8Array(width * height * 3);
  const acc = new Float64Array(3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      acc.fill(0);
      for (const r of rows[y]) {
        for (const c of cols[x]) {
          const w = r.weight * c.weight;
          const j = 3 * (r.index * img.width + c.index);
          acc[0] += w * img.data[j];
          acc[1] += w * img.data[j + 1];
          acc[2] += w * img.data[j + 2];
        }
      }
      const o = 3 * (y * width + x);
      for (let k = 0; k < 3; k++) out[o + k] = Math.round(acc[k]);
    }
  }
  return { data: out, width, height };
}

/**
 * Both flows of the pair (prev, next) at the frames' size, estimated on frames shrunk so that their longest side is
 * at most `flowSize` (the estimate is then upsampled): the LK cost falls with the pixel count.
 */
export function estimatePairFlows(prev: RgbImage, next: RgbImage, flowSize: number): PairFlows {
  const { width, height } = next;
  const small = fitLongestSide(next, flowSize);
  if (small.width === width && small.height === height) return { toPrev: estimateFlow(next, prev), toNext: estimateFlow(prev, next) };
  const a = shrinkRgb(prev, small.width, small.height);
  const b = shrinkRgb(next, small.width, small.height);
  return { toPrev: resampleFlow(estimateFlow(b, a), width, height), toNext: resampleFlow(estimateFlow(a, b), width, height) };
}

interface Job {
  request: FlowRequest;
  resolve: (flows: PairFlows) => void;
  reject: (err: Error) => void;
}

const copyOf = (img: RgbImage): RgbImage => ({ data: img.data.slice(), width: img.width, height: img.height });

/**
 * Worker threads that estimate pair flows off the main thread, so that flow overlaps inference and the metrics.
 * Each pair goes to whichever worker is idle; every pair() has its own promise, so callers keep their order.
 */
export class FlowPool {
  private readonly idle: Worker[];
  private readonly queue: Job[] = [];
  private readonly running = new Map<number, Job>();
  private nextId = 0;
  private broken: Error | undefined;

  private constructor(private readonly workers: Worker[]) {
    this.idle = [...workers];
    for (const w of workers) {
      w.on('message', (r: FlowReply) => this.onReply(w, r));
      w.on('error', (e) => this.fail(new DepthkitError(`flow worker failed: ${e.message}`, { cause: e })));
      w.on('exit', () => this.fail(new DepthkitError('flow worker exited')));
    }
  }

  static start(n: number): FlowPool {
    return new FlowPool(Array.from({ length: Math.max(1, n) }, () => startWorker(import.meta.url, 'flow-worker')));
  }

  /** Flows of (prev, next) estimated at `flowSize` (longest side) and returned at the frames' size. */
  pair(prev: RgbImage, next: RgbImage, flowSize: number): Promise<PairFlows> {
    if (this.broken) return Promise.reject(this.broken);
    // The caller keeps using its frames (metrics, preview), so the worker gets copies it can own outright.
    const request: FlowRequest = { id: this.nextId++, prev: copyOf(prev), next: copyOf(next), flowSize };
    return new Promise((resolve, reject) => {
      this.queue.push({ request, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.idle.length && this.queue.length) {
      const w = this.idle.shift()!;
      const job = this.queue.shift()!;
      this.running.set(job.request.id, job);
      const { prev, next } = job.request;
      w.postMessage(job.request, [prev.data.buffer as ArrayBuffer, next.data.buffer as ArrayBuffer]);
    }
  }

  private onReply(w: Worker, r: FlowReply): void {
    const job = this.running.get(r.id);
    if (!job) return;
    this.running.delete(r.id);
    if (r.kind === 'flows') job.resolve(r.flows);
    else job.reject(new DepthkitError(`optical flow: ${r.message}`));
    this.idle.push(w);
    this.pump();
  }

  private fail(err: Error): void {
    this.broken ??= err;
    for (const job of [...this.running.values(), ...this.queue]) job.reject(this.broken);
    this.running.clear();
    this.queue.length = 0;
  }

  /** Stops the threads; pairs still pending are rejected. */
  async dispose(): Promise<void> {
    this.fail(new DepthkitError('flow workers stopped'));
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

import { DEFAULT_DIS_PRESET, type DisPreset } from '../metrics/flow-dis.js';
import type { FlowMethod } from '../metrics/flow-pair.js';
import type { RgbImage } from '../metrics/types.js';
import type { PairFlows } from '../metrics/warp.js';
import { startWorker } from '../util/worker-entry.js';
import { WorkerPool } from '../util/worker-pool.js';

const copyOf = (img: RgbImage): RgbImage => ({ data: img.data.slice(), width: img.width, height: img.height });

/**
 * Worker threads that estimate pair flows off the main thread, so that flow overlaps inference and the metrics
 * (src/util/worker-pool.ts: one pair a worker at a time, each pair its own promise, so callers keep their order).
 */
export class FlowPool {
  private constructor(private readonly pool: WorkerPool<PairFlows>) {}

  static start(n: number): FlowPool {
    return new FlowPool(new WorkerPool('flow', Array.from({ length: Math.max(1, n) }, () => startWorker(import.meta.url, 'flow-worker'))));
  }

  /** Flows of a pair of flow inputs (flow-pair.ts's `flowInput`), returned at width x height (pairFlowsAt). */
  pair(prev: RgbImage, next: RgbImage, width: number, height: number, method: FlowMethod, preset: DisPreset = DEFAULT_DIS_PRESET): Promise<PairFlows> {
    // The caller keeps its frames (metrics, preview, the next pair), so the worker gets copies it can own outright.
    const [a, b] = [copyOf(prev), copyOf(next)];
    return this.pool.run({ prev: a, next: b, width, height, method, preset }, [a.data.buffer as ArrayBuffer, b.data.buffer as ArrayBuffer]);
  }

  /** Stops the threads; pairs still pending are rejected. */
  dispose(): Promise<void> {
    return this.pool.dispose();
  }
}

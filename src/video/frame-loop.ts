import type { DepthRange } from '../metrics/accuracy.js';
import type { AlignMode } from '../metrics/align.js';
import { validMask } from '../metrics/mask.js';
import { temporalFrame } from '../metrics/temporal.js';
import type { DepthMap } from '../metrics/types.js';
import type { AnalysisFrame, DepthKind, DepthSource } from './depth-source.js';
import { FlowPool } from './flow-pool.js';
import type { FrameLog } from './frame-log.js';
import { frameRow, poolRow, type Row, type VideoConventions } from './frame-row.js';
import { flowEstimator } from './pair-flows.js';
import { mapStage } from './pipeline.js';
import type { PreviewWriter } from './preview.js';
import type { SourceState } from './source-scores.js';
import { selectedFrames, type DecodeEnd, type VideoInputs } from './video-inputs.js';
import type { VideoRunOptions } from './video-options.js';

/** Disparity sources are measured in depth form (1 / disparity); 0 disparity becomes +Inf, i.e. unusable. */
function depthForm(map: DepthMap, kind: DepthKind): DepthMap {
  if (kind === 'depth') return map;
  return { ...map, data: map.data.map((v) => 1 / v) };
}

export interface FrameLoop {
  o: VideoRunOptions;
  c: VideoInputs;
  states: SourceState[];
  log: FrameLog;
  preview?: PreviewWriter;
  end: DecodeEnd;
  range: DepthRange;
  conventions: VideoConventions;
  align: AlignMode;
  scope: 'frame' | 'sequence';
}

/** Adds a finished row to the frame log (and the source's pixel pool). */
export function logRow(x: Pick<FrameLog, 'append'>, st: SourceState, k: number, row: Row): Promise<void> {
  poolRow(st.pooled, row);
  return x.append(k, row);
}

/**
 * Frames each stage holds beyond the one being measured: the model source's batches fill from these. Three batches:
 * one running, one queued at the engine, one filling while the metrics take the finished one.
 */
export function depthAhead(o: VideoRunOptions, sources: DepthSource[]): number {
  const batch = Math.max(1, ...sources.map((s) => s.batch ?? 1));
  return Math.max(o.ahead ?? 2, batch > 1 ? 3 * batch : 0);
}

/**
 * The frame loop: decode -> depth of every source (the model's in batches) with the pair's flow beside it ->
 * rows, preview. Stages overlap (pipeline.ts): while the metrics of frame k run on this thread, later frames are
 * decoded (FFmpeg), their flow estimated (worker) and their depth inferred (the engine's threads). Rows that a
 * sequence-level fit or TAE still needs are kept in the sources' state; the others go to the log at once.
 * Returns the frames measured.
 */
export async function runFrames(x: FrameLoop): Promise<number> {
  const { o, c, states, range, conventions } = x;
  const sources = states.map((st) => st.source);
  const keep = (c.gt !== undefined && x.scope === 'sequence') || c.poses !== undefined;
  // One flow worker beside the main thread, with a model or without: the two fill one core's two hyper-threads (a
  // pair's flow ~10 ms, the main thread's work ~10 ms a frame), and a second worker only took the main thread's
  // (warm file-source runs: 61 fps with one, 56 with two; docs/video.md, Performance notes).
  const flowWorkers = o.flowWorkers ?? 1;
  const pool = !o.flowDir && flowWorkers > 0 ? FlowPool.start(flowWorkers) : undefined;
  const pairFlows = flowEstimator(o, pool);
  let prevFrame: AnalysisFrame | undefined;
  let prevGt: DepthMap | undefined;
  let lastQueued: AnalysisFrame | undefined;
  let done = 0;
  try {
    const withDepth = mapStage(
      mapStage(selectedFrames(o, c, x.end), (f) => f, { ahead: o.ahead ?? 2 }),
      async (f) => {
        const frame: AnalysisFrame = { index: f.index, rgb: f.rgb };
        // Stage calls start in frame order, so the pair is taken here, and its flow runs beside the depth.
        const before = lastQueued;
        lastQueued = frame;
        const flowsP = before ? pairFlows(before, frame) : undefined;
        flowsP?.catch(() => {});
        const depths = await Promise.all(sources.map(async (s) => depthForm(await s.depthAt(frame), s.kind)));
        const gt = c.gt ? await c.gt.at(f.index, c.size.width, c.size.height) : undefined;
        return { frame, time: f.time, depths, gt, flows: await flowsP };
      },
      { ahead: depthAhead(o, sources) },
    );
    for await (const { frame, time, depths, gt, flows } of withDepth) {
      const mask = gt ? validMask(gt, range, null, conventions.gtCapMask) : undefined;
      for (const [k, st] of states.entries()) {
        const d = depths[k];
        const depth = temporalFrame(d);
        const row = frameRow({
          model: st.source.name, frame: frame.index, time, rgb: frame.rgb, depth,
          prev: prevFrame && st.prev && flows ? { rgb: prevFrame.rgb, depth: st.prev, flows, gt: prevGt } : undefined,
          gt: gt && mask ? { depth: gt, mask } : undefined,
          accuracy: x.scope === 'frame' ? { ...range, ...conventions, align: x.align, space: st.space } : undefined,
        });
        // Kept rows get their sequence-scope columns at the end and are logged then.
        if (keep) st.kept.push({ index: frame.index, pred: d.data, gt: gt?.data, mask, row });
        else await logRow(x.log, st, k, row);
        st.prev = depth;
      }
      await x.preview?.write(frame.rgb, depths[0]);
      prevFrame = frame;
      prevGt = gt;
      done++;
      o.onFrame?.(done, Math.max(done, c.pairing.total));
    }
  } finally {
    await pool?.dispose();
  }
  return done;
}

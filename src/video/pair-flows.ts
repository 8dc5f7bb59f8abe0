import path from 'node:path';
import { DepthkitError } from '../errors.js';
import { readFlo } from '../io/flo.js';
import { checkFramePair, type FlowField, type PairFlows } from '../metrics/warp.js';
import type { AnalysisFrame } from './depth-source.js';
import { DEFAULT_DIS_PRESET, type DisPreset } from '../metrics/flow-dis.js';
import { estimateFlowBy, flowInput, pairFlowsAt, resampleFlow, type FlowMethod } from '../metrics/flow-pair.js';
import type { RgbImage } from '../metrics/types.js';
import type { FlowPool } from './flow-pool.js';

async function flowFile(file: string, size: { width: number; height: number }): Promise<FlowField | undefined> {
  const flo = await readFlo(file).catch((err: unknown) => {
    if ((err as { cause?: NodeJS.ErrnoException }).cause?.code === 'ENOENT') return undefined;
    throw err;
  });
  if (!flo) return undefined;
  return resampleFlow(flo, size.width, size.height);
}

/** Both flows of the pair (prev, next) from `flowDir`; a missing backward flow is estimated at the analysis size. */
async function fileFlows(prev: AnalysisFrame, next: AnalysisFrame, flowDir: string, method: FlowMethod, preset: DisPreset): Promise<PairFlows> {
  const size = { width: next.rgb.width, height: next.rgb.height };
  const name = (prefix: string, i: number) => path.join(flowDir, `${prefix}${String(i).padStart(6, '0')}.flo`);
  const toNext = await flowFile(name('', prev.index), size);
  if (!toNext) throw new DepthkitError(`no flow for frame ${prev.index} -> ${next.index}`, { file: name('', prev.index) });
  const toPrev = (await flowFile(name('bwd_', next.index), size)) ?? estimateFlowBy(method, next.rgb, prev.rgb, preset);
  return { toPrev, toNext };
}

/**
 * Where the pair flows come from: files, the flow workers, or the main thread (once a pair, for every source). Pairs
 * arrive in frame order, so each frame is shrunk to the flow size once: as the next frame of one pair, kept for the
 * pair where it is the previous one.
 */
export function flowEstimator(o: { flowDir?: string; flowSize?: number; flowMethod?: FlowMethod; flowPreset?: DisPreset }, pool: FlowPool | undefined): (prev: AnalysisFrame, next: AnalysisFrame) => Promise<PairFlows> {
  const flowSize = o.flowSize ?? 160;
  const method = o.flowMethod ?? 'dis';
  const preset = o.flowPreset ?? DEFAULT_DIS_PRESET;
  if (o.flowDir) return (prev, next) => fileFlows(prev, next, o.flowDir!, method, preset);
  let last: { frame: AnalysisFrame; input: RgbImage } | undefined;
  const input = (frame: AnalysisFrame) => (last?.frame === frame ? last.input : flowInput(frame.rgb, flowSize));
  return async (prev, next) => {
    checkFramePair(prev.rgb, next.rgb);
    const a = input(prev);
    last = { frame: next, input: input(next) };
    const { width, height } = next.rgb;
    return pool ? pool.pair(a, last.input, width, height, method, preset) : pairFlowsAt(a, last.input, width, height, method, preset);
  };
}

/** Mean length of a flow's vectors (flow_mag). sqrt(u^2 + v^2): pixel offsets are far from overflow, and it is ~10x cheaper than Math.hypot. */
export function flowMagnitude(f: FlowField): number {
  let s = 0;
  for (let i = 0; i < f.u.length; i++) s += Math.sqrt(f.u[i] * f.u[i] + f.v[i] * f.v[i]);
  return s / f.u.length;
}

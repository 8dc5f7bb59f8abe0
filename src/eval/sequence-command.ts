import { availableParallelism } from 'node:os';
import { DepthkitError } from '../errors.js';
import type { Progress } from '../cli/progress.js';
import type { VideoBenchmark, WindowName } from '../data/video-benchmarks/presets.js';
import type { EngineRequest } from '../model/engine.js';
import { resolveShard } from './shard-auto.js';
import { runSequenceEval } from './sequence-run.js';

export interface VideoBenchmarkFlags {
  pred?: string;
  'data-path'?: string;
  checkpoint?: string;
  clip?: string;
  backend: string;
  workers?: number;
  window: string;
  'pred-kind': string;
  /** protocolFlags' on|off; unset: on, or off under --protocol vda (the reference's scatter). */
  'tae-zbuffer'?: string;
  protocol?: string;
  /** Protocol flags with no meaning here: the video benchmarks' protocol is fixed per dataset. */
  crop?: string;
  'min-depth'?: number;
  'max-depth'?: number;
  align?: string;
  'align-space'?: string;
  pool?: string;
  'allow-missing': boolean;
  resume: boolean;
  shard?: string;
  'shard-count'?: number;
  concurrency?: number;
  out: string;
}

/** `eval --dataset <video benchmarks>` from parsed flags: the run, with progress per sequence and per frame. */
export async function runVideoBenchmarks(datasets: VideoBenchmark[], flags: VideoBenchmarkFlags, hooks: { signal?: AbortSignal; progress: (total: number) => Progress; log?: (line: string) => void }) {
  const { checkpoint } = flags;
  if (flags.protocol && flags.protocol !== 'vda') throw new DepthkitError(`--dataset ${datasets.join(',')} runs Video Depth Anything's protocol: --protocol ${flags.protocol} does not apply (vda or none)`);
  const fixed = (['crop', 'min-depth', 'max-depth', 'align', 'align-space', 'pool'] as const).find((k) => flags[k] !== undefined);
  if (fixed) throw new DepthkitError(`--${fixed} does not apply to the video benchmarks: their caps, crops, alignment and pooling are the reference's, per dataset (docs/datasets.md)`);
  const zbuffer = flags['tae-zbuffer'] !== undefined ? flags['tae-zbuffer'] === 'on' : flags.protocol !== 'vda';
  const dataPath = flags['data-path'];
  if (!(flags.pred || checkpoint) || !dataPath) throw new DepthkitError(`--dataset ${datasets.join(',')} needs --data-path (the benchmark folder) and --pred (the predictions folder) or --checkpoint`);
  // The built-in model predicts metric depth: the protocol inverts it before the disparity fit.
  if (checkpoint && flags['pred-kind'] !== 'depth') flags = { ...flags, 'pred-kind': 'depth' };
  const model = checkpoint
    ? await (await import('../model/engine.js')).loadDepthModel({ checkpoint, clip: flags.clip, backend: flags.backend as EngineRequest, workers: flags.workers, verbose: hooks.log })
    : undefined;
  let progress: Progress | undefined;
  try {
    return await runSequenceEval({
      datasets,
      dataPath,
      pred: flags.pred ?? `model ${checkpoint}`,
      model,
      window: flags.window as WindowName,
      predKind: flags['pred-kind'] as 'depth' | 'disparity',
      zbuffer,
      allowMissing: flags['allow-missing'],
      resume: flags.resume,
      shard: resolveShard(flags.shard, process.env, flags['shard-count']),
      out: flags.out,
      concurrency: flags.concurrency ?? Math.max(2, availableParallelism()),
      signal: hooks.signal,
      onStart: (_, frames) => (progress = hooks.progress(frames)),
      onFrame: () => progress?.tick(),
      onSequence: (row, done, total) => hooks.log?.(`${row.dataset}/${row.sequence}: ${row.frames} frames, abs_rel ${row.abs_rel.toFixed(4)} d1 ${row.d1.toFixed(4)} (${done}/${total})`),
    });
  } finally {
    progress?.stop();
    await model?.dispose();
  }
}

import { DepthkitError } from '../errors.js';
import type { Intrinsics } from '../metrics/tae.js';
import { readIntrinsics, readPoses, scaleIntrinsics } from '../synth/calib.js';
import { fitLongestSide } from '../util/size.js';
import { videoBackend } from './backend/index.js';
import type { DecodedFrame, DecodeReport, FramePlan } from './decode.js';
import { checkScaleNames, sourceScale } from './depth-checks.js';
import { openFileSource, type DepthSource } from './depth-source.js';
import { planPairing, type Pairing } from './frame-pairing.js';
import { planSource, sourceFrames } from './frame-source.js';
import { openGtSource, type GtSource } from './gt-source.js';
import type { VideoInfo } from './probe.js';
import { NO_SOURCE, type VideoRunOptions } from './video-options.js';

/** Every input of a video run, opened and checked; the video probed and its packets listed once (`plan`). */
export interface VideoInputs {
  info: VideoInfo;
  plan: FramePlan;
  pairing: Pairing;
  /** The analysis size: the frames' longest side fitted to --analysis-size. */
  size: { width: number; height: number };
  files: DepthSource[];
  gt?: GtSource;
  poses?: Float64Array[];
  K?: Intrinsics;
  notes: string[];
  /** The FFmpeg that decodes, with its version (run.json `ffmpeg`). */
  ffmpeg: string;
}

/** Every input is opened and checked before anything is written or the model loads. */
export async function checkInputs(o: VideoRunOptions): Promise<VideoInputs> {
  const depthSpecs = o.depth ?? [];
  if (!o.loadModel && depthSpecs.length === 0) throw new DepthkitError(NO_SOURCE);
  if (o.flowDir && (o.stride ?? 1) > 1) throw new DepthkitError('--flow files pair consecutive frames; they cannot be used with --stride > 1', { file: o.flowDir });
  if ((o.poses === undefined) !== (o.intrinsics === undefined)) throw new DepthkitError('--poses and --intrinsics go together (TAE needs both)');
  const plan = await planSource(o.video, { fps: o.fps, start: o.start, duration: o.duration, stride: o.stride, maxFrames: o.maxFrames, ffmpeg: o.ffmpeg });
  const ffmpeg = plan.backend === 'images' ? 'none (image files)' : await videoBackend(o.ffmpeg).version();
  const { info } = plan;
  const size = fitLongestSide(info, o.analysisSize ?? 320);
  const scales = { all: o.depthScale, bySource: {}, ...o.depthScales };
  const files = await Promise.all(depthSpecs.map((raw) => sourceScale(raw, scales)).map((s) => openFileSource(s.spec, { scale: s.scale, kind: o.depthKind ?? 'depth', key: o.depthKey })));
  checkScaleNames(scales, files.map((s) => s.name));
  const names = [...(o.loadModel ? ['model'] : []), ...files.map((s) => s.name)];
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup) throw new DepthkitError(`two depth sources are named '${dup}': use --depth name=<source>`);
  const gt = o.gt ? await openGtSource(o.gt, o.gtScale ?? 1000) : undefined;
  const poses = o.poses ? await readPoses(o.poses) : undefined;
  const K = o.intrinsics ? scaleIntrinsics(await readIntrinsics(o.intrinsics), info, size) : undefined;
  // Depth file k, ground-truth file k and pose k belong to stream frame k (frame-pairing.ts).
  const counted = files.filter((s) => s.count !== undefined).map((s) => ({ what: s.description, file: s.location ?? o.video, count: s.count! }));
  if (gt) counted.push({ what: `ground truth ${gt.dir}`, file: gt.dir, count: gt.count });
  if (poses && o.poses) counted.push({ what: `poses ${o.poses}`, file: o.poses, count: poses.length });
  const pairing = planPairing(plan, counted, o.allowMismatch ?? false, o.video);
  return { info, plan, pairing, size, files, gt, poses, K, notes: [...pairing.notes], ffmpeg };
}

/** How decoding went: the decoder's report, and the stream index where --allow-mismatch stopped it. */
export interface DecodeEnd { report?: DecodeReport; stoppedAt?: number; notes?: string[] }

/**
 * Decoded frames at the analysis size, each checked to have its files; stopped by the signal or (--allow-mismatch)
 * by the shortest source. The decoder takes the plan made by checkInputs: the video is not probed again.
 */
export async function* selectedFrames(o: VideoRunOptions, c: VideoInputs, end: DecodeEnd): AsyncGenerator<DecodedFrame> {
  const frames = sourceFrames(o.video, { plan: c.plan, ...c.size, ffmpeg: o.ffmpeg, hwaccel: o.hwaccel, note: (line) => end.notes?.push(line), onReport: (r) => (end.report = r) });
  for await (const f of frames) {
    if (o.signal?.aborted) return;
    if (c.pairing.admit(f) === 'stop') {
      end.stoppedAt = f.index;
      return;
    }
    yield f;
  }
}

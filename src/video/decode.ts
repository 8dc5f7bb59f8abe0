import { DepthkitError } from '../errors.js';
import type { RgbImage } from '../metrics/types.js';
import { videoBackend } from './backend/index.js';
import type { FfmpegChoice, HwAccel, VideoBackend } from './backend/types.js';
import { buildTimeline, indexAt, isWanted, selectFrames, wantedBetween, type IdentityMode, type Selection, type Timeline, type Wanted } from './frame-identity.js';
import { checkVideoPath, type VideoInfo } from './probe.js';

/*
 * The front door for video files: probeVideo, planFrames and decodeFrames. The FFmpeg work is done by a
 * VideoBackend; which stream frame a picture is, is decided here from the backend's packet times and frame pts
 * (frame-identity.ts), so every backend numbers frames the same way.
 */

export interface DecodeOptions extends Selection {
  /** Output size; scaled by FFmpeg (bilinear) from the display size. One of them alone keeps the aspect ratio. */
  width?: number;
  height?: number;
  /** Which FFmpeg decodes (default 'auto'). */
  ffmpeg?: FfmpegChoice;
  hwaccel?: HwAccel;
  /** A plan from planFrames for this file: its selection is used (the options' start..maxFrames are ignored) and the packets are not listed again. */
  plan?: FramePlan;
  /** Told once per event worth a note in the run's record. */
  note?: (line: string) => void;
  /** Called once when decoding ends (to the end of the selection, or stopped by the consumer). */
  onReport?: (report: DecodeReport) => void;
}

export interface DecodedFrame {
  /**
   * The frame's identity: its index in the stream, in presentation (pts) order from the stream's first frame, the
   * same with or without `start`, never shifted by frames that fail to decode (see frame-identity.ts).
   */
  index: number;
  /** Presentation time in seconds from the stream's first frame. */
  time: number;
  /** Presentation time in seconds on the stream's own clock (NaN when the stream has none). */
  pts: number;
  rgb: RgbImage;
}

export interface FramePlan {
  info: VideoInfo;
  /** Who reads the frames: an FFmpeg backend, or image files (src/video/image-sequence.ts). */
  backend: VideoBackend['name'] | 'images';
  selection: Selection;
  timeline: Timeline;
  /** pts mode: the stream indices selected (exact before decoding); decode-order mode: unknown until decoded. */
  wanted?: Wanted;
}

export interface DecodeReport {
  identity: IdentityMode;
  /** Frames in the stream (pts mode: from its packets; decode-order mode: decoded, when decoding reached the end). */
  streamFrames: number;
  /** Selected stream indices (decode-order mode: those reached). */
  selected: number;
  decoded: number;
  /** Selected indices that did not decode (frames the decoder dropped or failed on), ascending. */
  missing: number[];
  /** False when the consumer stopped before the end of the selection: `missing` then covers what was passed. */
  complete: boolean;
}

function checkOptions(file: string, o: DecodeOptions): void {
  const bad = (what: string) => new DepthkitError(`decode option ${what}`, { file });
  if (o.start !== undefined && !(o.start >= 0)) throw bad(`start must be >= 0 (got ${o.start})`);
  if (o.duration !== undefined && !(o.duration > 0)) throw bad(`duration must be > 0 (got ${o.duration})`);
  for (const k of ['stride', 'maxFrames', 'width', 'height'] as const) {
    const v = o[k];
    if (v !== undefined && !(Number.isInteger(v) && v >= 1)) throw bad(`${k} must be a positive integer (got ${v})`);
  }
}

/** Output frame size: explicit, or one side given and the other from the display aspect ratio. */
export function outputSize(info: Pick<VideoInfo, 'width' | 'height'>, o: DecodeOptions): { width: number; height: number } {
  if (o.width && o.height) return { width: o.width, height: o.height };
  if (o.width) return { width: o.width, height: Math.max(1, Math.round((o.width * info.height) / info.width)) };
  if (o.height) return { width: Math.max(1, Math.round((o.height * info.width) / info.height)), height: o.height };
  return { width: info.width, height: info.height };
}

/** Describes the video stream decoded (the default one); one-line DepthkitError for anything that is not a video file. */
export async function probeVideo(file: string, opts: { ffmpeg?: FfmpegChoice } = {}): Promise<VideoInfo> {
  await checkVideoPath(file);
  return videoBackend(opts.ffmpeg).probe(file);
}

/**
 * Probes the file and lists its packets: the stream's frames and the indices the selection asks for, before
 * anything is decoded (the packets are read, not decoded: a second pass over the file's bytes).
 */
export async function planFrames(file: string, opts: DecodeOptions = {}): Promise<FramePlan> {
  checkOptions(file, opts);
  const backend = videoBackend(opts.ffmpeg);
  const info = await probeVideo(file, opts);
  const timeline = buildTimeline(await backend.packetTimes(file, info));
  if (timeline.frames === 0) throw new DepthkitError('video stream has no frames', { file });
  const selection: Selection = { start: opts.start, duration: opts.duration, stride: opts.stride, maxFrames: opts.maxFrames };
  return { info, backend: backend.name, selection, timeline, wanted: timeline.mode === 'pts' ? selectFrames(timeline, selection) : undefined };
}

/**
 * Decoded frames of the selection in presentation order, each with its stream index. With `start` the backend
 * seeks near the first selected frame (and decoding restarts from the beginning should a seek land past it).
 */
export async function* decodeFrames(file: string, opts: DecodeOptions = {}): AsyncGenerator<DecodedFrame> {
  const plan = opts.plan ?? (await planFrames(file, opts));
  const backend = videoBackend(opts.ffmpeg);
  const size = outputSize(plan.info, opts);
  const report: DecodeReport = { identity: plan.timeline.mode, streamFrames: plan.timeline.frames, selected: 0, decoded: 0, missing: [], complete: false };
  try {
    const frames = plan.wanted ? byPts(plan, plan.wanted, report) : byDecodeOrder(plan, report);
    for await (const f of frames) {
      report.decoded++;
      yield f;
    }
    report.complete = true;
  } finally {
    opts.onReport?.(report);
  }

  async function* byPts(p: FramePlan, w: Wanted, r: DecodeReport): AsyncGenerator<DecodedFrame> {
    r.selected = w.count;
    const { times } = p.timeline;
    let next = w.first; // the next selected index not yet decoded or counted missing
    let seek = p.selection.start !== undefined && w.first > 0 ? times[w.first] : undefined;
    for (let restart = true; restart && next <= w.last; ) {
      restart = false;
      let seen = 0;
      for await (const raw of backend.frames(file, p.info, { ...size, seek, hwaccel: opts.hwaccel, note: opts.note })) {
        const k = indexAt(times, raw.pts);
        // The decoder's pts are not the packets' (a guessed or shifted clock): matching the nearest packet could
        // score every picture against its neighbour's files, so nothing is numbered from such a stream.
        if (k < 0) throw new DepthkitError(`decoded a picture at pts ${raw.pts} s that no packet has: its frames cannot be numbered safely`, { file });
        // A seek lands on a keyframe at or before the target; past it, the frames in between would be lost.
        if (seek !== undefined && seen++ === 0 && k > w.first && next === w.first) {
          restart = true;
          seek = undefined;
          break;
        }
        if (k < next || !isWanted(w, k)) {
          if (k > w.last) break;
          continue;
        }
        r.missing.push(...wantedBetween(w, next, k - 1));
        next = k + w.stride;
        yield { index: k, time: times[k] - times[0], pts: raw.pts, rgb: raw.rgb };
        if (next > w.last) break;
      }
    }
    r.missing.push(...wantedBetween(w, next, w.last));
  }

  // Without timestamps the decoder's output order is the presentation order; a frame it drops cannot be seen.
  async function* byDecodeOrder(p: FramePlan, r: DecodeReport): AsyncGenerator<DecodedFrame> {
    const s = p.selection;
    const stride = s.stride ?? 1;
    let k = -1;
    let t0 = NaN;
    let first = -1;
    let cut = false;
    for await (const raw of backend.frames(file, p.info, { ...size, hwaccel: opts.hwaccel, note: opts.note })) {
      k++;
      if (k === 0) t0 = raw.pts;
      const time = Number.isFinite(raw.pts - t0) ? raw.pts - t0 : k / p.info.fps;
      if (time < (s.start ?? 0) - 1e-9) continue;
      cut = (s.duration !== undefined && time >= (s.start ?? 0) + s.duration - 1e-9) || (first >= 0 && s.maxFrames !== undefined && (k - first) / stride >= s.maxFrames);
      if (cut) break;
      if (first < 0) first = k;
      if ((k - first) % stride !== 0) continue;
      r.selected++;
      yield { index: k, time, pts: raw.pts, rgb: raw.rgb };
    }
    if (!cut) r.streamFrames = k + 1;
  }
}

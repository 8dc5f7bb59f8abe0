import { DepthkitError } from '../errors.js';
import type { DecodedFrame, DecodeReport, FramePlan } from './decode.js';
import { describeIndices, wantedBetween } from './frame-identity.js';

/*
 * Per-frame inputs (depth files, ground truth, poses) are paired with video frames by stream index: file k belongs
 * to stream frame k. This checks that every scored frame has its file and every file its frame, with the frame
 * counts the packets and the decoder give, never the container's estimate.
 */

/** A per-frame input: `what` names it in messages (e.g. "depth from preds/"), `file` is its location. */
export interface Counted {
  what: string;
  file: string;
  /** Frames it holds: stream frames 0..count-1. */
  count: number;
}

export interface Pairing {
  /** Frames to be scored, for progress (never below the frames done: the caller takes the larger). */
  total: number;
  /** Notes known before decoding. */
  notes: string[];
  /** 'score' the frame, or 'stop' decoding (--allow-mismatch: no later frame has every input). Throws on a frame without its files. */
  admit(frame: DecodedFrame): 'score' | 'stop';
  /** Notes on what decoding found (gaps, mismatches seen at the end); throws on a mismatch only the end could show. */
  finish(report: DecodeReport | undefined, stoppedAt: number | undefined): string[];
}

const allowHint = '(--allow-mismatch scores the frames that have every input)';

export function planPairing(plan: FramePlan, inputs: Counted[], allowMismatch: boolean, video: string): Pairing {
  const { timeline, wanted } = plan;
  const notes: string[] = [];
  if (plan.info.frameCountExact && plan.info.frameCount !== timeline.frames && timeline.mode === 'pts') {
    notes.push(`the container states ${plan.info.frameCount} frames; its packets hold ${timeline.frames}, numbered by presentation time`);
  }
  const fail = (text: string, file: string) => {
    if (!allowMismatch) throw new DepthkitError(`${text} ${allowHint}`, { file });
  };
  // Files beyond the stream's last frame: exact up front when the packets number the frames.
  if (timeline.mode === 'pts') {
    for (const x of inputs.filter((i) => i.count > timeline.frames)) {
      const text = `${x.what} has ${x.count} frames, ${video} ${timeline.frames} (counted from its packets): files ${timeline.frames}..${x.count - 1} belong to no frame`;
      fail(text, x.file);
      notes.push(`${text}; they were not used (--allow-mismatch)`);
    }
  }
  const shortest = inputs.reduce<Counted | undefined>((a, x) => (a === undefined || x.count < a.count ? x : a), undefined);
  const limit = allowMismatch && shortest ? shortest.count : Infinity;
  const wantedCount = wanted ? wantedBetween(wanted, 0, Math.min(wanted.last, limit - 1)).length : Number.NaN;
  const stride = plan.selection.stride ?? 1;
  const guess = Math.min(Math.ceil(timeline.frames / stride), plan.selection.maxFrames ?? Infinity, limit);
  return {
    total: wanted ? wantedCount : guess,
    notes,
    admit(frame) {
      const short = inputs.find((x) => frame.index >= x.count);
      if (!short) return 'score';
      if (allowMismatch) return 'stop';
      throw new DepthkitError(
        `has ${short.count} frames (0..${short.count - 1}); video frame ${frame.index} (t=${frame.time.toFixed(3)} s) of ${video} has none ${allowHint}`,
        { file: short.file },
      );
    },
    finish(report, stoppedAt) {
      const out: string[] = [];
      if (stoppedAt !== undefined && shortest) {
        const lost = wanted ? wantedBetween(wanted, stoppedAt, wanted.last) : [];
        const which = wanted ? `frames ${describeIndices(lost)} (${lost.length} selected)` : `frames from ${stoppedAt} on`;
        out.push(`${shortest.what} has ${shortest.count} frames: ${which} were not scored (--allow-mismatch)`);
      }
      if (!report) return out;
      if (report.identity === 'decode-order') {
        out.push(`${timeline.untimed} of the stream's packets have no presentation timestamp (a raw elementary stream, or AVI): frames are numbered in decode order; a frame that fails to decode cannot be seen and would shift the frames after it`);
        // The frame count is known only now, and only when decoding reached the stream's end.
        const end = report.complete && stoppedAt === undefined ? report.streamFrames : NaN;
        for (const x of inputs.filter((i) => i.count > end)) {
          const text = `${x.what} has ${x.count} frames, ${video} ${end} (decoded): files ${end}..${x.count - 1} belong to no frame`;
          fail(text, x.file);
          out.push(`${text}; they were not used (--allow-mismatch)`);
        }
      }
      const missing = stoppedAt === undefined ? report.missing : report.missing.filter((k) => k < stoppedAt);
      if (missing.length > 0) {
        out.push(
          `frames ${describeIndices(missing)} of the stream did not decode (${missing.length} of ${report.selected} selected): ` +
            'they have no rows; every other row keeps its own depth and ground truth (paired by stream index)',
        );
      }
      if (timeline.repeated > 0) out.push(`${timeline.repeated} packets repeat another packet's timestamp: one frame each time, the first picture decoded scored`);
      return out;
    },
  };
}

/** run.json's `info`: the stream decoded and how its frames were numbered and found (frame-identity.ts). */
export function videoRecord(plan: FramePlan, d: DecodeReport | undefined): Record<string, unknown> {
  const { info } = plan;
  return {
    width: info.width,
    height: info.height,
    fps: info.fps,
    frames: d?.identity === 'decode-order' && d.complete ? d.streamFrames : plan.timeline.frames,
    frames_stated: Number.isFinite(info.frameCount) ? info.frameCount : null,
    codec: info.codec,
    stream_index: info.streamIndex,
    video_streams: info.videoStreams,
    coded_size: `${info.codedWidth}x${info.codedHeight}`,
    pixel_aspect: info.pixelAspect,
    rotation: info.rotation,
    ffmpeg: plan.backend,
    frame_identity: plan.timeline.mode,
    selected: d?.selected ?? null,
    decoded: d?.decoded ?? null,
    missing_frames: d?.missing ?? [],
  };
}

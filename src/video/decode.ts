import path from 'node:path';
import { DepthkitError } from '../errors.js';
import type { RgbImage } from '../metrics/types.js';
import { startFfmpeg, stripLevel } from './ffmpeg.js';
import { probeVideo, stripFile, type VideoInfo } from './probe.js';

export interface DecodeOptions {
  /** Seconds from the start of the video (ffmpeg input `-ss`: frame-accurate, decodes from the previous keyframe). */
  start?: number;
  /** Seconds to decode from `start` (`-t`). */
  duration?: number;
  /** Keep every stride-th decoded frame (ffmpeg `select` filter, counted from the first frame at/after start). */
  stride?: number;
  maxFrames?: number;
  /** Output size; scaled in ffmpeg (bilinear). One of them alone keeps the aspect ratio. */
  width?: number;
  height?: number;
}

export interface DecodedFrame {
  /**
   * Index in the original stream. Exact without `start` (frames are counted from the first one); with `start` the
   * first index is round(time * fps), exact for constant frame rate, an estimate for variable frame rate.
   */
  index: number;
  /** Presentation time in seconds from the start of the video (read from ffmpeg's showinfo filter). */
  time: number;
  rgb: RgbImage;
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

/** Output frame size: explicit, or one side given and the other from the (rotated) aspect ratio. */
export function outputSize(info: Pick<VideoInfo, 'width' | 'height'>, o: DecodeOptions): { width: number; height: number } {
  if (o.width && o.height) return { width: o.width, height: o.height };
  if (o.width) return { width: o.width, height: Math.max(1, Math.round((o.width * info.height) / info.width)) };
  if (o.height) return { width: Math.max(1, Math.round((o.height * info.width) / info.height)), height: o.height };
  return { width: info.width, height: info.height };
}

const SHOWINFO = /Parsed_showinfo.*\bn:\s*\d+\s+pts:\s*-?\d+\s+pts_time:\s*(-?[\d.]+(?:e[-+]?\d+)?)/;

/**
 * Streams a video as raw rgb24 frames with backpressure: ffmpeg writes into a pipe that is only read when the
 * consumer asks for the next frame, so memory stays flat however long the video is. Breaking out of the loop (or
 * maxFrames) kills ffmpeg and waits for it to exit. `-fps_mode passthrough` emits each decoded frame exactly once:
 * the rawvideo muxer would otherwise default to constant frame rate and duplicate or drop frames of a
 * variable-frame-rate video (and refill the gaps left by the stride filter). A truncated video yields the frames
 * that decode and then ends; a failure before the first frame is a DepthkitError with ffmpeg's last error line.
 */
export async function* decodeFrames(file: string, opts: DecodeOptions = {}): AsyncGenerator<DecodedFrame> {
  checkOptions(file, opts);
  const info = await probeVideo(file);
  const { width, height } = outputSize(info, opts);
  const stride = opts.stride ?? 1;
  const filters = [
    ...(stride > 1 ? [`select=not(mod(n\\,${stride}))`] : []),
    ...(width !== info.width || height !== info.height ? [`scale=${width}:${height}:flags=bilinear`] : []),
    'showinfo',
  ];
  const times: number[] = [];
  let wake: (() => void) | undefined;
  // An absolute path cannot be mistaken for an option ("-x.mp4") or a protocol ("a:b.mp4").
  const input = path.resolve(file);
  const run = await startFfmpeg({
    input,
    inputOptions: [
      ...(opts.start !== undefined ? ['-ss', String(opts.start)] : []),
      ...(opts.duration !== undefined ? ['-t', String(opts.duration)] : []),
    ],
    output: 'pipe',
    outputOptions: [
      '-map', `0:${info.streamIndex}`,
      '-vf', filters.join(','),
      '-fps_mode', 'passthrough',
      ...(opts.maxFrames !== undefined ? ['-frames:v', String(opts.maxFrames)] : []),
      '-pix_fmt', 'rgb24',
      '-f', 'rawvideo',
    ],
    onStderrLine(line) {
      const m = SHOWINFO.exec(stripLevel(line).text);
      if (!m) return;
      times.push(Number(m[1]));
      wake?.();
    },
  });
  let exited = false;
  void run.done.then(() => {
    exited = true;
    wake?.();
  });
  // stdout and stderr are separate pipes: a frame's bytes may arrive before its showinfo line.
  const nextTime = async (): Promise<number | undefined> => {
    while (times.length === 0 && !exited) await new Promise<void>((r) => (wake = r));
    return times.shift();
  };

  const frameBytes = width * height * 3;
  const offset = opts.start ?? 0; // -ss shifts timestamps so that the seek point is 0
  let frame = new Uint8Array(frameBytes);
  let filled = 0;
  let count = 0;
  let firstIndex = 0;
  try {
    for await (const chunk of run.output as AsyncIterable<Buffer>) {
      let pos = 0;
      while (pos < chunk.length) {
        const n = Math.min(frameBytes - filled, chunk.length - pos);
        frame.set(chunk.subarray(pos, pos + n), filled);
        filled += n;
        pos += n;
        if (filled < frameBytes) continue;
        const pts = await nextTime();
        const time = pts !== undefined ? offset + pts : offset + (count * stride) / info.fps;
        if (count === 0 && opts.start !== undefined) firstIndex = Math.round(time * info.fps);
        yield { index: firstIndex + count * stride, time, rgb: { data: frame, width, height } };
        count++;
        if (opts.maxFrames !== undefined && count >= opts.maxFrames) return;
        frame = new Uint8Array(frameBytes);
        filled = 0;
      }
    }
    const exit = await run.done;
    if (exit.status === 'failed' && count === 0) {
      throw new DepthkitError(`cannot decode (${stripFile(exit.message, input)})`, { file });
    }
  } finally {
    run.stop();
    await run.done;
  }
}

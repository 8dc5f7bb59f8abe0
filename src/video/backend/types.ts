import type { RgbImage } from '../../metrics/types.js';
import type { VideoInfo } from '../probe.js';

/**
 * Which FFmpeg reads and writes video: `embedded` is the FFmpeg linked into node-av's prebuilt addon (part of the npm
 * install, runs in process), `system` the ffmpeg/ffprobe command line (FFMPEG_PATH or PATH) through fluent-ffmpeg.
 * `auto` takes the embedded one.
 */
export type FfmpegChoice = 'auto' | 'embedded' | 'system';

export type HwAccel = 'auto' | 'none' | 'cuda' | 'vaapi';

/** A decoded picture, converted to rgb24 at the requested size, upright as a player shows it. */
export interface RawFrame {
  /** Presentation time in seconds on the stream's own clock: not shifted by seeking, and the stream may start > 0. */
  pts: number;
  rgb: RgbImage;
}

export interface FrameRequest {
  width: number;
  height: number;
  /** Stream time (seconds) to seek near before decoding; frames before it may still come out (the caller filters). */
  seek?: number;
  hwaccel?: HwAccel;
  /** Told once, e.g. when a requested hardware decoder is absent and software decoding is used instead. */
  note?: (line: string) => void;
}

/**
 * One FFmpeg, as decode.ts sees it. Frame identity (which stream frame a picture is) is decided above this
 * interface, from `packetTimes` and each frame's `pts`, so both backends give the same indices.
 */
export interface VideoBackend {
  readonly name: 'embedded' | 'system';
  /** For doctor and run.json, e.g. "ffmpeg 8.1 (node-av, in process)". */
  version(): Promise<string>;
  probe(file: string): Promise<VideoInfo>;
  /** Presentation times (seconds, stream clock) of every packet of the chosen video stream, in file order. */
  packetTimes(file: string, info: VideoInfo): Promise<Float64Array>;
  /** Decoded frames in presentation order; stopping the iteration releases the decoder (and any child process). */
  frames(file: string, info: VideoInfo, req: FrameRequest): AsyncGenerator<RawFrame>;
}

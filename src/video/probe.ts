import { promises as fs } from 'node:fs';
import { DepthkitError } from '../errors.js';

export interface VideoInfo {
  file: string;
  /**
   * Size of decoded frames as a player shows them: the stored size scaled to the display aspect (pixel aspect
   * ratio applied to the width), then rotated by the display matrix (90/270 swap the sides).
   */
  width: number;
  height: number;
  /** Stored (coded) size, before the pixel aspect ratio and rotation. */
  codedWidth: number;
  codedHeight: number;
  /** Pixel (sample) aspect ratio, width / height of one stored pixel; 1 when the stream states none. */
  pixelAspect: number;
  /** Display rotation as ffprobe reports the display matrix (counter-clockwise degrees), one of 0, 90, 180, 270. */
  rotation: number;
  /** avg_frame_rate (frames / duration), falling back to r_frame_rate; the nominal rate of a VFR video. */
  fps: number;
  /** Seconds; NaN when neither the stream nor the container knows. */
  duration: number;
  /**
   * What the container states (nb_frames), else round(duration * fps): an estimate, wrong for edit lists, variable
   * frame rates, killed recordings. The frames depthkit numbers and checks come from the packets (decode.ts).
   */
  frameCount: number;
  frameCountExact: boolean;
  codec: string;
  /** The container's index of the video stream decoded: the default one when several are (cover art never). */
  streamIndex: number;
  /** Video streams in the file (cover art left out). */
  videoStreams: number;
}

/** "30000/1001" -> 29.97; "0/0" or garbage -> NaN. */
export function parseRate(rate: string | undefined): number {
  const [a, b] = String(rate ?? '').split('/').map(Number);
  const r = b === undefined ? a : a / b;
  return Number.isFinite(r) && r > 0 ? r : NaN;
}

/** Degrees (any sign, any multiple of 90 after rounding) as 0/90/180/270. */
export function quarterTurns(deg: number): number {
  if (!Number.isFinite(deg)) return 0;
  return (((Math.round(deg / 90) * 90) % 360) + 360) % 360;
}

/** Frame size as shown: pixel aspect applied to the width, then the sides swapped for 90/270 rotations. */
export function displaySize(codedWidth: number, codedHeight: number, pixelAspect: number, rotation: number): { width: number; height: number } {
  const w = Math.max(1, Math.round(codedWidth * (pixelAspect > 0 ? pixelAspect : 1)));
  return rotation === 90 || rotation === 270 ? { width: codedHeight, height: w } : { width: w, height: codedHeight };
}

/** What a backend reads from its FFmpeg about a video stream; `describeVideo` makes the VideoInfo of it. */
export type StreamFacts = Omit<VideoInfo, 'width' | 'height' | 'frameCount' | 'frameCountExact'> & {
  /** The frame count the container states, NaN when it states none. */
  statedFrames: number;
};

/** The one VideoInfo both backends give: display size from the coded size, pixel aspect and rotation; frame count stated or estimated. */
export function describeVideo(f: StreamFacts): VideoInfo {
  const { statedFrames, ...rest } = f;
  const frameCountExact = Number.isFinite(statedFrames);
  const frameCount = frameCountExact ? statedFrames : Math.round(f.duration * f.fps);
  return {
    ...rest,
    ...displaySize(f.codedWidth, f.codedHeight, f.pixelAspect, f.rotation),
    frameCount: Number.isFinite(frameCount) ? frameCount : NaN,
    frameCountExact,
  };
}

/** A scheme like `http://`, `rtmp://`, `pipe:`, `file:` : never opened, so a network stream cannot hang a run. */
const URL_LIKE = /^[a-z][a-z0-9+.-]*:(\/\/|[^\\/])/i;

/**
 * What may be given as a video: an existing regular file. URLs and `-` (stdin) are refused with one line, before
 * FFmpeg sees them (FFmpeg would open a network stream, or wait for stdin).
 */
export async function checkVideoPath(file: string): Promise<void> {
  if (file === '-') throw new DepthkitError('reading a video from stdin is not supported: give a file', { file, exitCode: 2 });
  if (URL_LIKE.test(file) && !/^[a-z]:[\\/]/i.test(file)) {
    const st = await fs.stat(file).catch(() => undefined);
    if (!st) throw new DepthkitError('URLs are not read: download the video and give the file', { file });
  }
  const st = await fs.stat(file).catch(() => undefined);
  if (!st) throw new DepthkitError('file not found', { file });
  if (!st.isFile()) throw new DepthkitError(st.isDirectory() ? 'is a folder, not a video file' : 'not a file', { file });
  if (st.size === 0) throw new DepthkitError('is empty (0 bytes), not a video', { file });
}

/** ffmpeg prefixes its messages with the input path; the DepthkitError already names the file. */
export function stripFile(message: string, file: string): string {
  const i = message.lastIndexOf(`${file}: `);
  return i >= 0 ? message.slice(i + file.length + 2) : message;
}

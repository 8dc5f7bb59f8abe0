import { promises as fs } from 'node:fs';
import path from 'node:path';
import { DepthkitError, errorMessage } from '../errors.js';
import { ffprobe, type ProbeStream } from './ffmpeg.js';

export interface VideoInfo {
  file: string;
  /** Size of decoded frames: after rotation metadata (90/270 swap them), since ffmpeg autorotates when decoding. */
  width: number;
  height: number;
  /** Stored (coded) size, before rotation. */
  codedWidth: number;
  codedHeight: number;
  /** Display rotation as ffprobe reports the display matrix (counter-clockwise degrees), one of 0, 90, 180, 270. */
  rotation: number;
  /** avg_frame_rate (frames / duration), falling back to r_frame_rate; the nominal rate of a VFR video. */
  fps: number;
  /** Seconds; NaN when neither the stream nor the container knows. */
  duration: number;
  /** nb_frames when the container states it, else round(duration * fps). */
  frameCount: number;
  frameCountExact: boolean;
  codec: string;
  /** ffprobe's index of the video stream decoded (`-map 0:<streamIndex>`). */
  streamIndex: number;
}

function num(v: unknown): number {
  const n = typeof v === 'number' ? v : Number.parseFloat(String(v ?? ''));
  return Number.isFinite(n) ? n : NaN;
}

/** "30000/1001" -> 29.97; "0/0" or garbage -> NaN. */
export function parseRate(rate: string | undefined): number {
  const [a, b] = String(rate ?? '').split('/').map(Number);
  const r = b === undefined ? a : a / b;
  return Number.isFinite(r) && r > 0 ? r : NaN;
}

/** Display rotation from the display-matrix side data (ffmpeg >= 5) or the legacy `rotate` tag, as 0/90/180/270. */
function rotationOf(s: ProbeStream): number {
  const deg = Number.isFinite(num(s.rotation)) ? num(s.rotation) : num(s.tags?.rotate);
  if (!Number.isFinite(deg)) return 0;
  return (((Math.round(deg / 90) * 90) % 360) + 360) % 360;
}

/** Describes the first real video stream of a file (cover art is skipped); one-line DepthkitError otherwise. */
export async function probeVideo(file: string): Promise<VideoInfo> {
  const st = await fs.stat(file).catch(() => undefined);
  if (!st) throw new DepthkitError('file not found', { file });
  if (!st.isFile()) throw new DepthkitError('not a file', { file });
  let data;
  try {
    data = await ffprobe(path.resolve(file));
  } catch (err) {
    throw new DepthkitError(`not a readable video (${stripFile(errorMessage(err), path.resolve(file))})`, { file });
  }
  const s = data.streams.find((x) => x.codec_type === 'video' && Number(x.disposition?.attached_pic ?? 0) !== 1);
  if (!s) throw new DepthkitError('has no video stream', { file });
  const codedWidth = num(s.width);
  const codedHeight = num(s.height);
  if (!(codedWidth > 0 && codedHeight > 0)) throw new DepthkitError('video stream has no frame size', { file });
  const rotation = rotationOf(s);
  const swap = rotation === 90 || rotation === 270;
  const fps = Number.isFinite(parseRate(s.avg_frame_rate)) ? parseRate(s.avg_frame_rate) : parseRate(s.r_frame_rate);
  const duration = Number.isFinite(num(s.duration)) ? num(s.duration) : num(data.format.duration);
  const stated = num(s.nb_frames);
  const frameCountExact = Number.isFinite(stated);
  const frameCount = frameCountExact ? stated : Math.round(duration * fps);
  if (frameCount === 0 || (Number.isFinite(duration) && duration === 0 && !frameCountExact)) {
    throw new DepthkitError('video stream has no frames', { file });
  }
  return {
    file,
    width: swap ? codedHeight : codedWidth,
    height: swap ? codedWidth : codedHeight,
    codedWidth,
    codedHeight,
    rotation,
    fps,
    duration,
    frameCount: Number.isFinite(frameCount) ? frameCount : NaN,
    frameCountExact,
    codec: s.codec_name ?? 'unknown',
    streamIndex: s.index,
  };
}

/** ffmpeg prefixes its messages with the input path; the DepthkitError already names the file. */
export function stripFile(message: string, file: string): string {
  const i = message.lastIndexOf(`${file}: `);
  return i >= 0 ? message.slice(i + file.length + 2) : message;
}

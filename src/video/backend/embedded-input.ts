import { promises as fs } from 'node:fs';
import path from 'node:path';
import { FFmpegError, FormatContext, Log, Packet, avGetCodecName, type Stream } from 'node-av/lib';
import {
  AVDISCARD_ALL,
  AVMEDIA_TYPE_VIDEO,
  AV_DISPOSITION_ATTACHED_PIC,
  AV_DISPOSITION_DEFAULT,
  AV_LOG_QUIET,
  AV_NOPTS_VALUE,
  AV_PKT_DATA_DISPLAYMATRIX,
  AV_PKT_FLAG_DISCARD,
} from 'node-av/constants';
import { DepthkitError } from '../../errors.js';
import { describeVideo, quarterTurns, type VideoInfo } from '../probe.js';

/** libavformat's AVFMT_NOTIMESTAMPS: the format stores no timestamps (raw elementary streams). */
const AVFMT_NOTIMESTAMPS = 0x0080;

// The library's own log goes to stderr from C; nothing below src/commands prints. Failures are reported from the
// return codes instead (one line, naming the file).
Log.setLevel(AV_LOG_QUIET);

export function ffmpegMessage(code: number): string {
  return FFmpegError.strerror(code);
}

/**
 * Opens a local file for reading. Only regular files are accepted: a directory, a FIFO or `-` would block or mean
 * something else, and the absolute path keeps "http://x" or "a:b.mp4" from being read as a protocol.
 */
export async function openInput(file: string): Promise<FormatContext> {
  const st = await fs.stat(file).catch(() => undefined);
  if (!st) throw new DepthkitError('file not found', { file });
  if (!st.isFile()) throw new DepthkitError('not a file', { file });
  if (st.size === 0) throw new DepthkitError('not a readable video (empty file)', { file });
  const fc = new FormatContext();
  const opened = await fc.openInput(path.resolve(file));
  if (opened < 0) {
    fc.freeContext();
    throw new DepthkitError(`not a readable video (${ffmpegMessage(opened)})`, { file });
  }
  const found = await fc.findStreamInfo();
  if (found < 0) {
    await fc.closeInput();
    throw new DepthkitError(`not a readable video (${ffmpegMessage(found)})`, { file });
  }
  return fc;
}

/** The video streams of a file, cover art left out; depthkit reads the one flagged default, else the first. */
export function videoStreamsOf(streams: Stream[]): Stream[] {
  return streams.filter((s) => s.codecpar.codecType === AVMEDIA_TYPE_VIDEO && !s.hasDisposition(AV_DISPOSITION_ATTACHED_PIC));
}

const rate = (r: { num: number; den: number }) => (r.num > 0 && r.den > 0 ? r.num / r.den : NaN);

/**
 * Counter-clockwise rotation of the display matrix (libavutil display.c `av_display_rotation_get`, what ffprobe
 * prints as `rotation`), rounded to a quarter turn and brought into 0..359. The matrix is 9 int32: a, b, u, c, d,
 * v, x, y, w, with a..d in 16.16 fixed point.
 */
export function displayRotation(matrix: Buffer | null): number {
  if (!matrix || matrix.length < 36) return 0;
  const m = (i: number) => matrix.readInt32LE(4 * i) / 65536;
  const sx = Math.hypot(m(0), m(3));
  const sy = Math.hypot(m(1), m(4));
  if (sx === 0 || sy === 0) return 0;
  return quarterTurns(-(Math.atan2(m(1) / sy, m(0) / sx) * 180) / Math.PI);
}

/** Same description as probe.ts gives from ffprobe; frame size is the display size (rotation, pixel aspect). */
export function describeStream(file: string, fc: FormatContext, s: Stream, videoStreams: number): VideoInfo {
  const cp = s.codecpar;
  const codedWidth = cp.width;
  const codedHeight = cp.height;
  if (!(codedWidth > 0 && codedHeight > 0)) throw new DepthkitError('video stream has no frame size', { file });
  const sar = Number.isFinite(rate(s.sampleAspectRatio)) ? rate(s.sampleAspectRatio) : rate(cp.sampleAspectRatio);
  const pixelAspect = Number.isFinite(sar) ? sar : 1;
  const rotation = displayRotation(cp.getCodedSideData(AV_PKT_DATA_DISPLAYMATRIX));
  // A raw elementary stream has no timestamps: FFmpeg 8's demuxer then reports its default 25 fps as the average
  // rate (5.1's ffprobe gave the codec's), and frames are timed by index / fps, so the codec's own rate is taken.
  const untimed = ((fc.iformat?.flags ?? 0) & AVFMT_NOTIMESTAMPS) !== 0;
  const codecRate = rate(cp.frameRate);
  const fps = untimed && Number.isFinite(codecRate) ? codecRate : Number.isFinite(rate(s.avgFrameRate)) ? rate(s.avgFrameRate) : rate(s.rFrameRate);
  const tb = rate(s.timeBase);
  const duration =
    s.duration !== AV_NOPTS_VALUE && s.duration > 0n
      ? Number(s.duration) * tb
      : fc.duration !== AV_NOPTS_VALUE && fc.duration > 0n
        ? Number(fc.duration) / 1e6
        : NaN;
  const info = describeVideo({
    file, codedWidth, codedHeight, pixelAspect, rotation, fps, duration, statedFrames: s.nbFrames > 0n ? Number(s.nbFrames) : NaN,
    codec: avGetCodecName(cp.codecId) ?? 'unknown', streamIndex: s.index, videoStreams,
  });
  if (info.frameCount === 0) throw new DepthkitError('video stream has no frames', { file });
  return info;
}

export async function probeEmbedded(file: string): Promise<VideoInfo> {
  const fc = await openInput(file);
  try {
    const videos = videoStreamsOf(fc.streams);
    const s = videos.find((v) => v.hasDisposition(AV_DISPOSITION_DEFAULT)) ?? videos[0];
    if (!s) throw new DepthkitError('has no video stream', { file });
    return describeStream(file, fc, s, videos.length);
  } finally {
    await fc.closeInput();
  }
}

/** Tells the demuxer to drop every other stream's packets, so reading touches only the one decoded. */
export function keepOnly(fc: FormatContext, streamIndex: number): Stream {
  const s = fc.streams[streamIndex];
  if (!s) throw new Error(`no stream ${streamIndex}`);
  for (const other of fc.streams) if (other.index !== streamIndex) other.discard = AVDISCARD_ALL;
  return s;
}

/**
 * Presentation time (seconds, stream clock) of every packet of the stream, in file order, without decoding. A
 * packet without a pts (raw streams) is NaN; packets an edit list discards are left out. Synchronous reads, with a yield to the event loop every 2000 packets:
 * each read is microseconds, a thread-pool round trip per packet would cost more than the read.
 */
export async function packetTimesEmbedded(file: string, info: VideoInfo): Promise<Float64Array> {
  const fc = await openInput(file);
  const pkt = new Packet();
  pkt.alloc();
  try {
    const s = keepOnly(fc, info.streamIndex);
    const tb = rate(s.timeBase);
    const times: number[] = [];
    for (let n = 1; ; n++) {
      const ret = fc.readFrameSync(pkt);
      if (ret < 0) break; // end of file, or a read error: the packets before it are what the file holds
      // Packets an edit list cuts away (flagged discard) are decoded as references but never shown: not frames.
      if (pkt.streamIndex === info.streamIndex && !pkt.hasFlags(AV_PKT_FLAG_DISCARD)) times.push(pkt.pts === AV_NOPTS_VALUE ? NaN : Number(pkt.pts) * tb);
      pkt.unref();
      if (n % 2000 === 0) await new Promise((r) => setImmediate(r));
    }
    return Float64Array.from(times);
  } finally {
    pkt.free();
    await fc.closeInput();
  }
}

import path from 'node:path';
import { DepthkitError, errorMessage } from '../../errors.js';
import { ffmpegInfo, ffprobe, ffprobeLines, startFfmpeg, stripLevel, type ProbeStream } from '../ffmpeg.js';
import { describeVideo, parseRate, quarterTurns, stripFile, type VideoInfo } from '../probe.js';
import type { FrameRequest, RawFrame, VideoBackend } from './types.js';

/*
 * The ffmpeg/ffprobe command line (FFMPEG_PATH or PATH) behind the VideoBackend contract: ffprobe describes the
 * file and lists its packets, ffmpeg decodes to raw rgb24 on a pipe. Every timestamp is on the stream's own clock
 * (`-copyts`, `-seek_timestamp`) and converted from the integer pts with the stream's time base exactly as the
 * packet times are, so a frame's pts equals its packet's pts bit for bit.
 */

function num(v: unknown): number {
  const n = typeof v === 'number' ? v : Number.parseFloat(String(v ?? ''));
  return Number.isFinite(n) ? n : NaN;
}

/** "16:11" -> 1.4545; "0:1", "N/A" or absent -> 1 (square pixels). */
function aspectOf(s: ProbeStream): number {
  const [a, b] = String(s.sample_aspect_ratio ?? '').split(':').map(Number);
  return a > 0 && b > 0 ? a / b : 1;
}

const isPicture = (x: ProbeStream) => x.codec_type === 'video' && Number(x.disposition?.attached_pic ?? 0) !== 1;

async function probe(file: string): Promise<VideoInfo> {
  const input = path.resolve(file);
  let data;
  try {
    data = await ffprobe(input);
  } catch (err) {
    throw new DepthkitError(`not a readable video (${stripFile(errorMessage(err), input)})`, { file });
  }
  const videos = data.streams.filter(isPicture);
  const s = videos.find((x) => Number(x.disposition?.default ?? 0) === 1) ?? videos[0];
  if (!s) throw new DepthkitError('has no video stream', { file });
  const codedWidth = num(s.width);
  const codedHeight = num(s.height);
  if (!(codedWidth > 0 && codedHeight > 0)) throw new DepthkitError('video stream has no frame size', { file });
  const rotation = quarterTurns(Number.isFinite(num(s.rotation)) ? num(s.rotation) : num(s.tags?.rotate));
  const pixelAspect = aspectOf(s);
  const fps = Number.isFinite(parseRate(s.avg_frame_rate)) ? parseRate(s.avg_frame_rate) : parseRate(s.r_frame_rate);
  const duration = Number.isFinite(num(s.duration)) ? num(s.duration) : num(data.format.duration);
  return describeVideo({
    file, codedWidth, codedHeight, pixelAspect, rotation, fps, duration, statedFrames: num(s.nb_frames),
    codec: s.codec_name ?? 'unknown', streamIndex: s.index, videoStreams: videos.length,
  });
}

/** "1/15360" -> [1, 15360]. */
function timeBase(text: string): [number, number] | undefined {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  return m && Number(m[1]) > 0 && Number(m[2]) > 0 ? [Number(m[1]), Number(m[2])] : undefined;
}

/** pts in seconds, computed the one way both the packet list and the decoded frames use. */
const seconds = (pts: number, tb: [number, number]) => (pts * tb[0]) / tb[1];

async function packetTimes(file: string, info: VideoInfo): Promise<Float64Array> {
  const pts: number[] = [];
  let tb: [number, number] | undefined;
  const input = path.resolve(file);
  try {
    await ffprobeLines(['-select_streams', String(info.streamIndex), '-show_entries', 'packet=pts,flags:stream=time_base', '-of', 'compact=p=1:nk=1', input], (line) => {
      const cells = line.split('|');
      if (cells[0] === 'stream') tb = timeBase(cells[1] ?? '');
      // `D`: a packet the demuxer decodes but discards (before the start of an MP4 edit list): not a frame of the stream.
      else if (cells[0] === 'packet' && !(cells[2] ?? '').includes('D')) pts.push(cells[1] === 'N/A' ? NaN : Number(cells[1]));
    });
  } catch (err) {
    throw new DepthkitError(`cannot list the video's packets (${stripFile(errorMessage(err), input)})`, { file });
  }
  return Float64Array.from(pts, (p) => (tb && Number.isFinite(p) ? seconds(p, tb) : NaN));
}

/** Scaler settings of the rgb24 frames: bilinear, exact rounding, chroma interpolated at full resolution. */
export const SWS_FLAGS = 'bilinear+accurate_rnd+full_chroma_int+full_chroma_inp';

const SHOWINFO_TB = /Parsed_showinfo.*\bconfig in time_base:\s*(\d+\/\d+)/;
const SHOWINFO_PTS = /Parsed_showinfo.*\bn:\s*\d+\s+pts:\s*(-?\d+|NOPTS)/;

/**
 * Streams rgb24 frames with backpressure: ffmpeg writes into a pipe that is only read when the consumer asks for
 * the next frame, so memory stays flat however long the video is; stopping the iteration kills ffmpeg and waits
 * for it. `-fps_mode passthrough` emits each decoded frame exactly once (the rawvideo muxer would otherwise
 * duplicate or drop frames of a variable-frame-rate video). ffmpeg applies the display matrix itself (autorotate)
 * and the scale to the requested (display) size applies the pixel aspect ratio. A failure before the first frame
 * is a DepthkitError with ffmpeg's last error line; after it, the frames that decoded are what there is.
 */
async function* frames(file: string, info: VideoInfo, req: FrameRequest): AsyncGenerator<RawFrame> {
  const { width, height } = req;
  if (req.hwaccel && req.hwaccel !== 'none' && req.hwaccel !== 'auto') req.note?.(`--hwaccel ${req.hwaccel} is not used with the system ffmpeg: software decoding`);
  // One swscale pass does the scaling and the conversion to rgb24, always with these flags: without accurate_rnd and
  // full chroma interpolation, swscale's fast YUV->RGB path is off by up to 2 levels whenever it also scales.
  const filters = [`scale=${width}:${height}:flags=${SWS_FLAGS}`, 'format=rgb24', 'showinfo'];
  const ptsQueue: number[] = [];
  let tb: [number, number] | undefined;
  let wake: (() => void) | undefined;
  // An absolute path cannot be mistaken for an option ("-x.mp4") or a protocol ("a:b.mp4").
  const input = path.resolve(file);
  const run = await startFfmpeg({
    input,
    inputOptions: ['-copyts', ...(req.seek !== undefined ? ['-seek_timestamp', '1', '-ss', String(req.seek), '-noaccurate_seek'] : [])],
    output: 'pipe',
    outputOptions: ['-map', `0:${info.streamIndex}`, '-vf', filters.join(','), '-fps_mode', 'passthrough', '-pix_fmt', 'rgb24', '-f', 'rawvideo'],
    onStderrLine(line) {
      const text = stripLevel(line).text;
      const t = SHOWINFO_TB.exec(text);
      if (t) tb ??= timeBase(t[1]);
      const m = SHOWINFO_PTS.exec(text);
      if (!m) return;
      ptsQueue.push(m[1] === 'NOPTS' || !tb ? NaN : seconds(Number(m[1]), tb));
      wake?.();
    },
  });
  let exited = false;
  void run.done.then(() => {
    exited = true;
    wake?.();
  });
  // stdout and stderr are separate pipes: a frame's bytes may arrive before its showinfo line.
  const nextPts = async (): Promise<number> => {
    while (ptsQueue.length === 0 && !exited) await new Promise<void>((r) => (wake = r));
    return ptsQueue.shift() ?? NaN;
  };
  const frameBytes = width * height * 3;
  let frame = new Uint8Array(frameBytes);
  let filled = 0;
  let count = 0;
  try {
    for await (const chunk of run.output as AsyncIterable<Buffer>) {
      let pos = 0;
      while (pos < chunk.length) {
        const n = Math.min(frameBytes - filled, chunk.length - pos);
        frame.set(chunk.subarray(pos, pos + n), filled);
        filled += n;
        pos += n;
        if (filled < frameBytes) continue;
        yield { pts: await nextPts(), rgb: { data: frame, width, height } };
        count++;
        frame = new Uint8Array(frameBytes);
        filled = 0;
      }
    }
    const exit = await run.done;
    if (exit.status === 'failed' && count === 0) throw new DepthkitError(`cannot decode (${stripFile(exit.message, input)})`, { file });
  } finally {
    run.stop();
    await run.done;
  }
}

export const systemBackend: VideoBackend = {
  name: 'system',
  async version() {
    const info = await ffmpegInfo();
    return `ffmpeg ${info.version} (${info.ffmpeg}, command line)`;
  },
  probe,
  packetTimes,
  frames,
};

import { Codec, CodecContext, Dictionary, FormatContext, Frame, Packet, Rational, SoftwareScaleContext } from 'node-av/lib';
import {
  AVERROR_EAGAIN,
  AVERROR_EOF,
  AVFMT_GLOBALHEADER,
  AV_CODEC_FLAG_GLOBAL_HEADER,
  AV_PIX_FMT_RGB24,
  AV_PIX_FMT_YUV420P,
  SWS_BICUBIC,
} from 'node-av/constants';
import { ffmpegMessage } from './embedded-input.js';

/** libx264's speed presets that depthkit uses. */
export type X264Preset = 'veryfast' | 'medium';

export interface SinkOptions {
  width: number;
  height: number;
  fps: number;
  crf: number;
  preset: X264Preset;
}

/** Where encoded frames go; errors are thrown as plain Errors with FFmpeg's message (encode.ts words them). */
export interface VideoSink {
  write(rgb: Uint8Array): Promise<void>;
  /** Flushes the encoder and writes the index; the file is complete when it resolves. */
  finish(): Promise<void>;
  /** Stops without finishing (the caller removes the file). */
  kill(): Promise<void>;
}

/** 10 -> 10/1, 29.97 -> 30000/1001, anything else to a millisecond. */
export function fpsRational(fps: number): Rational {
  if (Number.isInteger(fps)) return new Rational(fps, 1);
  const ntsc = (fps * 1001) / 1000;
  if (Math.abs(ntsc - Math.round(ntsc)) < 1e-6) return new Rational(Math.round(ntsc) * 1000, 1001);
  return new Rational(Math.round(fps * 1000), 1000);
}

function check(ret: number, what: string): void {
  if (ret < 0) throw new Error(`${what}: ${ffmpegMessage(ret)}`);
}

/**
 * rgb24 frames -> libx264 yuv420p in an mp4 with its index first (`movflags=+faststart`), as the command line
 * `-vf pad=ceil(iw/2)*2:ceil(ih/2)*2 -c:v libx264 -crf N -pix_fmt yuv420p` does: odd sizes get a black column/row
 * (right/bottom) and the colour conversion is swscale's default (BT.601, limited range, untagged). Encoding and
 * writing run on libuv's thread pool (the async calls), so the event loop keeps going while x264 works.
 */
export async function openEmbeddedSink(file: string, o: SinkOptions): Promise<VideoSink> {
  const width = o.width + (o.width % 2);
  const height = o.height + (o.height % 2);
  const codec = Codec.findEncoderByName('libx264' as never);
  if (!codec) throw new Error('the embedded FFmpeg has no libx264 encoder');
  const fc = new FormatContext();
  check(fc.allocOutputContext2(null, 'mp4', file), 'mp4 muxer');
  const ctx = new CodecContext();
  ctx.allocContext3(codec);
  const rate = fpsRational(o.fps);
  ctx.width = width;
  ctx.height = height;
  ctx.pixelFormat = AV_PIX_FMT_YUV420P;
  ctx.timeBase = new Rational(rate.den, rate.num);
  ctx.framerate = rate;
  if (fc.oformat?.hasFlags(AVFMT_GLOBALHEADER)) ctx.setFlags(AV_CODEC_FLAG_GLOBAL_HEADER);
  const pkt = new Packet();
  const rgbFrame = new Frame();
  const yuv = new Frame();
  const sws = new SoftwareScaleContext();
  const padded = width !== o.width || height !== o.height ? new Uint8Array(width * height * 3) : undefined;
  let opened = false;
  let released = false;
  let count = 0;
  const release = async () => {
    if (released) return;
    released = true;
    sws.freeContext();
    pkt.free();
    rgbFrame.free();
    yuv.free();
    ctx.freeContext();
    if (opened) await fc.closeOutput();
    fc.freeContext();
  };
  try {
    check(await ctx.open2(codec, Dictionary.fromObject({ preset: o.preset, crf: String(o.crf) })), 'libx264');
    const stream = fc.newStream(null);
    check(stream.codecpar.fromContext(ctx), 'stream parameters');
    stream.timeBase = ctx.timeBase;
    check(await fc.openOutput(), 'open');
    opened = true;
    check(await fc.writeHeader(Dictionary.fromObject({ movflags: '+faststart' })), 'mp4 header');
    pkt.alloc();
    rgbFrame.alloc();
    yuv.alloc();
    yuv.width = width;
    yuv.height = height;
    yuv.format = AV_PIX_FMT_YUV420P;
    check(yuv.getBuffer(0), 'frame buffer');
    // The command line's auto-inserted converter uses bicubic; at equal sizes only the chroma subsampling sees it.
    sws.getContext(width, height, AV_PIX_FMT_RGB24, width, height, AV_PIX_FMT_YUV420P, SWS_BICUBIC);

    const drain = async () => {
      for (;;) {
        const ret = await ctx.receivePacket(pkt);
        if (ret === AVERROR_EAGAIN || ret === AVERROR_EOF) return;
        check(ret, 'libx264');
        // Every frame lasts one frame period: without it the mp4 edit list ends at the last frame's start, and
        // players (and decoders honouring the edit list) drop that frame.
        if (pkt.duration <= 0n) pkt.duration = 1n;
        pkt.rescaleTs(ctx.timeBase, stream.timeBase);
        pkt.streamIndex = stream.index;
        check(await fc.interleavedWriteFrame(pkt), 'write');
      }
    };
    const send = async (frame: Frame | null) => {
      check(await ctx.sendFrame(frame), 'libx264');
      await drain();
    };
    return {
      async write(rgb) {
        let src = rgb;
        if (padded) {
          for (let y = 0; y < o.height; y++) padded.set(rgb.subarray(3 * o.width * y, 3 * o.width * (y + 1)), 3 * width * y);
          src = padded;
        }
        rgbFrame.unref();
        rgbFrame.width = width;
        rgbFrame.height = height;
        rgbFrame.format = AV_PIX_FMT_RGB24;
        check(rgbFrame.getBuffer(0), 'frame buffer');
        check(rgbFrame.fromBuffer(Buffer.from(src.buffer, src.byteOffset, src.length)), 'frame data');
        check(yuv.makeWritable(), 'frame buffer');
        check(sws.scaleFrameSync(yuv, rgbFrame), 'colour conversion');
        yuv.pts = BigInt(count++);
        await send(yuv);
      },
      async finish() {
        try {
          await send(null);
          check(await fc.writeTrailer(), 'mp4 index');
        } finally {
          await release();
        }
      },
      kill: release,
    };
  } catch (err) {
    await release();
    throw err;
  }
}

import { Codec, CodecContext, Frame, HardwareDeviceContext, Packet, SoftwareScaleContext, getFFmpegInfo } from 'node-av/lib';
import {
  AVERROR_EAGAIN,
  AVERROR_EOF,
  AVSEEK_FLAG_BACKWARD,
  AV_NOPTS_VALUE,
  AV_PIX_FMT_CUDA,
  AV_PIX_FMT_RGB24,
  AV_PIX_FMT_VAAPI,
  FF_HWDEVICE_TYPE_CUDA,
  FF_HWDEVICE_TYPE_VAAPI,
  SWS_ACCURATE_RND,
  SWS_BILINEAR,
  SWS_FULL_CHR_H_INP,
  SWS_FULL_CHR_H_INT,
  type AVPixelFormat,
} from 'node-av/constants';
import { DepthkitError } from '../../errors.js';
import type { VideoInfo } from '../probe.js';
import { ffmpegMessage, keepOnly, openInput, packetTimesEmbedded, probeEmbedded } from './embedded-input.js';
import { rotateRgb } from './rotate.js';
import type { FrameRequest, HwAccel, RawFrame, VideoBackend } from './types.js';

/** e.g. "8.1-Jellyfin": the FFmpeg linked into node-av's prebuilt addon. */
export function embeddedVersion(): string {
  return getFFmpegInfo().version;
}

interface Hardware {
  device: HardwareDeviceContext;
  pixelFormat: AVPixelFormat;
}

const HW = {
  cuda: { type: FF_HWDEVICE_TYPE_CUDA, pixelFormat: AV_PIX_FMT_CUDA },
  vaapi: { type: FF_HWDEVICE_TYPE_VAAPI, pixelFormat: AV_PIX_FMT_VAAPI },
} as const;

/**
 * A hardware decoder when one was asked for and exists for this codec on this machine; otherwise software decoding,
 * with a note when the request was explicit (`auto` falls back silently: it means "use one if there is one").
 */
function openHardware(want: HwAccel | undefined, codec: Codec, note?: (line: string) => void): Hardware | undefined {
  if (!want || want === 'none') return undefined;
  const kinds = want === 'auto' ? (['cuda', 'vaapi'] as const) : [want];
  const why: string[] = [];
  for (const kind of kinds) {
    if (!codec.supportsDevice(HW[kind].type)) {
      why.push(`${codec.name} has no ${kind} decoder`);
      continue;
    }
    const device = new HardwareDeviceContext();
    const ret = device.create(HardwareDeviceContext.findTypeByName(HW[kind].type), null, null);
    if (ret >= 0) return { device, pixelFormat: HW[kind].pixelFormat };
    device.free();
    why.push(`no ${kind} device (${ffmpegMessage(ret)})`);
  }
  if (want !== 'auto') note?.(`--hwaccel ${want}: ${why.join(', ')}; decoding in software`);
  return undefined;
}

function openDecoder(file: string, info: VideoInfo, codecpar: Parameters<CodecContext['parametersToContext']>[0],
  timeBase: CodecContext['pktTimebase'], req: FrameRequest): { ctx: CodecContext; hw?: Hardware } {
  const codec = Codec.findDecoder(codecpar.codecId);
  if (!codec) throw new DepthkitError(`no decoder for ${info.codec} in the embedded FFmpeg (try --ffmpeg system)`, { file });
  const ctx = new CodecContext();
  ctx.allocContext3(codec);
  ctx.parametersToContext(codecpar);
  ctx.pktTimebase = timeBase;
  ctx.threadCount = 0; // FFmpeg's own choice, as the command line makes it: decoding threads run off the main thread
  const hw = openHardware(req.hwaccel, codec, req.note);
  if (hw) {
    ctx.hwDeviceCtx = hw.device;
    ctx.setHardwarePixelFormat(hw.pixelFormat);
  }
  const ret = ctx.open2Sync(codec, null);
  if (ret < 0) {
    ctx.freeContext();
    hw?.device.free();
    throw new DepthkitError(`cannot open the ${info.codec} decoder (${ffmpegMessage(ret)})`, { file });
  }
  return { ctx, hw };
}

/**
 * Bilinear with accurate rounding and full chroma interpolation, the flags the system backend gives its scale filter:
 * with them a downscale is bit-exact between the two FFmpegs on H.264 (the swscale fast path is not).
 */
const SWS_FLAGS = (SWS_BILINEAR | SWS_ACCURATE_RND | SWS_FULL_CHR_H_INT | SWS_FULL_CHR_H_INP) as typeof SWS_BILINEAR;

/**
 * Converts decoded pictures to rgb24 at the requested (display) size with one bilinear swscale pass, then turns
 * them upright. The scaler is rebuilt when the picture's size or format changes mid-stream.
 */
function rgbConverter(req: FrameRequest, rotation: number) {
  const swap = rotation === 90 || rotation === 270;
  const width = swap ? req.height : req.width;
  const height = swap ? req.width : req.height;
  const sws = new SoftwareScaleContext();
  const out = new Frame();
  out.alloc();
  out.width = width;
  out.height = height;
  out.format = AV_PIX_FMT_RGB24;
  out.getBuffer(0); // swscale's vector code writes whole aligned blocks: with align 1 the last bytes of a row were left unwritten (garbage)
  let key = '';
  return {
    convert(src: Frame): Uint8Array {
      const k = `${src.width}x${src.height}/${src.format}`;
      if (k !== key) {
        if (key) sws.freeContext();
        sws.getContext(src.width, src.height, src.format as AVPixelFormat, width, height, AV_PIX_FMT_RGB24, SWS_FLAGS);
        key = k;
      }
      out.makeWritable();
      sws.scaleFrameSync(out, src);
      const buf = out.toBuffer();
      const rgb = rotateRgb({ data: new Uint8Array(buf.buffer, buf.byteOffset, buf.length), width, height }, rotation);
      return rgb.data;
    },
    free() {
      sws.freeContext();
      out.free();
    },
  };
}

/**
 * Decodes one stream in process: readFrame -> sendPacket -> receiveFrame -> swscale. The calls are the synchronous
 * ones (each is a packet or a frame; a thread-pool round trip per call measured slower), and the generator yields
 * between frames. A packet that fails to decode is skipped and decoding goes on: which frames came out is decided
 * above, from the packet times and each frame's pts. Returning early frees the decoder and closes the file.
 */
async function* framesEmbedded(file: string, info: VideoInfo, req: FrameRequest): AsyncGenerator<RawFrame> {
  const fc = await openInput(file);
  const pkt = new Packet();
  const frame = new Frame();
  const sw = new Frame();
  pkt.alloc();
  frame.alloc();
  sw.alloc();
  let decoder: ReturnType<typeof openDecoder> | undefined;
  const rgb = rgbConverter(req, info.rotation);
  try {
    const s = keepOnly(fc, info.streamIndex);
    const tb = s.timeBase.num / s.timeBase.den;
    decoder = openDecoder(file, info, s.codecpar, s.timeBase, req);
    const ctx = decoder.ctx;
    // A failed seek leaves the file at its start; the caller drops frames before the point it wanted.
    if (req.seek !== undefined && req.seek > 0) fc.seekFrameSync(info.streamIndex, BigInt(Math.floor(req.seek / tb)), AVSEEK_FLAG_BACKWARD);
    let eof = false;
    let errors = 0;
    for (;;) {
      if (!eof) {
        const ret = fc.readFrameSync(pkt);
        if (ret < 0) {
          eof = true;
          ctx.sendPacketSync(null); // flush: the decoder gives back the frames it holds
        } else if (pkt.streamIndex === info.streamIndex) {
          ctx.sendPacketSync(pkt); // < 0 is a corrupt packet: skipped
          pkt.unref();
        } else {
          pkt.unref();
          continue;
        }
      }
      for (;;) {
        const ret = ctx.receiveFrameSync(frame);
        if (ret === AVERROR_EOF || (ret === AVERROR_EAGAIN && eof)) return;
        if (ret === AVERROR_EAGAIN) break;
        if (ret < 0) {
          // A damaged frame; after the flush, stop if the decoder only keeps failing.
          if (eof && ++errors > 1000) return;
          if (eof) continue;
          break;
        }
        let src = frame;
        if (frame.isHwFrame()) {
          sw.unref();
          if (frame.hwframeTransferDataSync(sw) < 0) {
            frame.unref();
            continue;
          }
          src = sw;
        }
        const t = frame.bestEffortTimestamp;
        const pts = t === AV_NOPTS_VALUE ? NaN : Number(t) * tb;
        const data = rgb.convert(src);
        frame.unref();
        yield { pts, rgb: { data, width: req.width, height: req.height } };
      }
    }
  } finally {
    rgb.free();
    pkt.free();
    frame.free();
    sw.free();
    decoder?.ctx.freeContext();
    decoder?.hw?.device.free();
    await fc.closeInput();
  }
}

export const embeddedBackend: VideoBackend = {
  name: 'embedded',
  version: async () => `ffmpeg ${embeddedVersion()} (node-av, in process)`,
  probe: probeEmbedded,
  packetTimes: packetTimesEmbedded,
  frames: framesEmbedded,
};
export { openEmbeddedSink } from './embedded-encode.js';

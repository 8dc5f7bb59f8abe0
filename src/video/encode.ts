import { promises as fs, rmSync } from 'node:fs';
import { once } from 'node:events';
import path from 'node:path';
import { DepthkitError, errorMessage } from '../errors.js';
import { atomicTempPath, describeWriteError, writeFaultIn } from '../io/atomic.js';
import { loadEmbedded, resolveFfmpeg } from './backend/index.js';
import type { SinkOptions, VideoSink, X264Preset } from './backend/embedded-encode.js';
import type { FfmpegChoice } from './backend/types.js';
import { startFfmpeg } from './ffmpeg.js';
import { stripFile } from './probe.js';

export type { X264Preset };

export interface EncoderOptions {
  width: number;
  height: number;
  fps: number;
  /** libx264 constant rate factor: 0 lossless .. 51 worst; 18 is visually lossless. */
  crf?: number;
  /** libx264 speed preset (the same crf costs less CPU and more bytes the faster it is); default medium. */
  preset?: X264Preset;
  /** Which FFmpeg encodes (backend/index.ts `resolveFfmpeg`); default auto = the embedded one. */
  ffmpeg?: FfmpegChoice;
}

export interface Encoder {
  /** One rgb24 frame of width*height*3 bytes; resolves once the encoder can take more (backpressure). */
  write(rgb: Uint8Array): Promise<void>;
  /** Finishes the video and moves it to its final name. */
  close(): Promise<void>;
  /** Stops encoding and removes the partial file; the final name is never touched. */
  abort(): Promise<void>;
}

/** The ffmpeg command line as a sink: raw rgb24 on its stdin. Its failures carry ffmpeg's last error line. */
async function openSystemSink(tmp: string, o: SinkOptions): Promise<VideoSink> {
  const run = await startFfmpeg({
    input: 'pipe',
    inputOptions: ['-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${o.width}x${o.height}`, '-r', String(o.fps)],
    output: tmp,
    outputOptions: [
      '-vf', 'pad=ceil(iw/2)*2:ceil(ih/2)*2',
      '-c:v', 'libx264', '-preset', o.preset, '-crf', String(o.crf), '-pix_fmt', 'yuv420p',
      '-movflags', '+faststart',
      '-f', 'mp4',
    ],
  });
  const stdin = run.input!;
  stdin.on('error', () => {}); // a dying ffmpeg surfaces through run.done, with its own message
  // ffmpeg runs in its own process group: should depthkit exit at once (a second Ctrl-C), it would go on encoding
  // into a temp file nobody renames. Only synchronous work can run at exit: kill it (encode.ts removes the file).
  const onExit = () => run.stop();
  process.once('exit', onExit);
  void run.done.then(() => process.removeListener('exit', onExit));
  const failed = (message: string) => new Error(stripFile(message, tmp) || 'ffmpeg failed');
  return {
    async write(rgb) {
      if (stdin.write(rgb)) return;
      const exited = await Promise.race([once(stdin, 'drain').then(() => undefined), run.done]);
      if (exited) throw failed(exited.message || exited.status);
    },
    async finish() {
      stdin.end();
      const exit = await run.done;
      if (exit.status !== 'ok') throw failed(exit.message || exit.status);
    },
    async kill() {
      run.stop();
      await run.done;
    },
  };
}

/**
 * Encodes rgb24 frames into an H.264 (libx264, yuv420p) mp4, with the embedded FFmpeg (in process) or the system
 * one (a child process). Odd sizes are padded to even with black on the right/bottom (yuv420p needs even sizes).
 * The video is written to a hidden temp name in the target folder that is renamed on close, so a crash never
 * leaves a half-written video under the final name. `+faststart` puts the index first: the file plays in a browser
 * before it has fully loaded.
 */
export async function createEncoder(file: string, opts: EncoderOptions): Promise<Encoder> {
  const { width, height, fps } = opts;
  const crf = opts.crf ?? 18;
  if (!(Number.isInteger(width) && width > 0 && Number.isInteger(height) && height > 0)) {
    throw new DepthkitError(`encoder size must be positive integers (got ${width}x${height})`, { file });
  }
  if (!(fps > 0)) throw new DepthkitError(`encoder fps must be > 0 (got ${fps})`, { file });
  if (!(crf >= 0 && crf <= 51)) throw new DepthkitError(`encoder crf must be in 0..51 (got ${crf})`, { file });
  const target = path.resolve(file);
  const tmp = atomicTempPath(target);
  const which = resolveFfmpeg(opts.ffmpeg);
  const fail = async (err: unknown): Promise<never> => {
    await fs.rm(tmp, { force: true });
    if (err instanceof DepthkitError) throw err;
    const message = errorMessage(err);
    const fault = writeFaultIn(message);
    if (fault) throw new DepthkitError(`cannot write video, ${fault}`, { file, exitCode: 1 });
    throw new DepthkitError(`ffmpeg could not encode (${message})`, { file });
  };
  const sinkOptions = { width, height, fps, crf, preset: opts.preset ?? 'medium' };
  let sink: VideoSink;
  try {
    sink = which === 'system' ? await openSystemSink(tmp, sinkOptions) : await (await loadEmbedded()).openEmbeddedSink(tmp, sinkOptions);
  } catch (err) {
    return fail(err);
  }
  const frameBytes = width * height * 3;
  let state: 'open' | 'closed' | 'aborted' = 'open';
  // Only synchronous work can run at exit: the temp file nobody will rename is removed.
  const onExit = () => rmSync(tmp, { force: true });
  process.once('exit', onExit);
  const settle = () => process.removeListener('exit', onExit);

  return {
    async write(rgb) {
      if (state !== 'open') throw new DepthkitError(`write after ${state}`, { file });
      if (rgb.length !== frameBytes) {
        throw new DepthkitError(`frame has ${rgb.length} bytes, expected ${width}x${height}x3 = ${frameBytes}`, { file });
      }
      try {
        await sink.write(rgb);
      } catch (err) {
        state = 'aborted';
        settle();
        await sink.kill();
        await fail(err);
      }
    },
    async close() {
      if (state !== 'open') throw new DepthkitError(`close after ${state}`, { file });
      state = 'closed';
      settle();
      try {
        await sink.finish();
      } catch (err) {
        await fail(err);
      }
      try {
        const st = await fs.lstat(target).catch(() => undefined);
        if (st?.isSymbolicLink()) throw new Error('refusing to replace a symlink');
        await fs.rename(tmp, target);
      } catch (err) {
        await fs.rm(tmp, { force: true });
        throw new DepthkitError(`cannot write video, ${describeWriteError(err)}`, { file, exitCode: 1, cause: err });
      }
    },
    async abort() {
      if (state === 'aborted') return;
      const wasOpen = state === 'open';
      state = 'aborted';
      if (!wasOpen) return;
      settle();
      await sink.kill();
      await fs.rm(tmp, { force: true });
    },
  };
}

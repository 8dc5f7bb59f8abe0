import { promises as fs, rmSync } from 'node:fs';
import { once } from 'node:events';
import path from 'node:path';
import { DepthkitError } from '../errors.js';
import { atomicTempPath, describeWriteError, writeFaultIn } from '../io/atomic.js';
import { startFfmpeg, type FfmpegExit } from './ffmpeg.js';
import { stripFile } from './probe.js';

export interface EncoderOptions {
  width: number;
  height: number;
  fps: number;
  /** libx264 constant rate factor: 0 lossless .. 51 worst; 18 is visually lossless. */
  crf?: number;
}

export interface Encoder {
  /** One rgb24 frame of width*height*3 bytes; resolves once ffmpeg can take more (backpressure). */
  write(rgb: Uint8Array): Promise<void>;
  /** Finishes the video and moves it to its final name. */
  close(): Promise<void>;
  /** Kills ffmpeg and removes the partial file; the final name is never touched. */
  abort(): Promise<void>;
}

/**
 * Encodes rgb24 frames into an H.264 (libx264, yuv420p) mp4. Odd sizes are padded to even with black on the
 * right/bottom (yuv420p needs even sizes). ffmpeg writes to a hidden temp name in the target folder that is renamed
 * on close, so a crash never leaves a half-written video under the final name. `+faststart` puts the index first:
 * the file plays in a browser before it has fully loaded, and a truncated copy still decodes up to the cut.
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
  const run = await startFfmpeg({
    input: 'pipe',
    inputOptions: ['-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${width}x${height}`, '-r', String(fps)],
    output: tmp,
    outputOptions: [
      '-vf', 'pad=ceil(iw/2)*2:ceil(ih/2)*2',
      '-c:v', 'libx264', '-preset', 'medium', '-crf', String(crf), '-pix_fmt', 'yuv420p',
      '-movflags', '+faststart',
      '-f', 'mp4',
    ],
  });
  const stdin = run.input!;
  stdin.on('error', () => {}); // a dying ffmpeg surfaces through run.done, with its own message
  const frameBytes = width * height * 3;
  let state: 'open' | 'closed' | 'aborted' = 'open';
  // ffmpeg runs in its own process group: should depthkit exit at once (a second Ctrl-C), it would go on encoding
  // into a temp file nobody renames. Only synchronous work can run at exit: kill it and remove the temp file.
  const onExit = () => {
    run.stop();
    rmSync(tmp, { force: true });
  };
  process.once('exit', onExit);
  void run.done.then(() => process.removeListener('exit', onExit));

  const fail = async (exit: FfmpegExit): Promise<never> => {
    await fs.rm(tmp, { force: true });
    const fault = writeFaultIn(exit.message);
    if (fault) throw new DepthkitError(`cannot write video, ${fault}`, { file, exitCode: 1 });
    throw new DepthkitError(`ffmpeg could not encode (${stripFile(exit.message, tmp) || exit.status})`, { file });
  };

  return {
    async write(rgb) {
      if (state !== 'open') throw new DepthkitError(`write after ${state}`, { file });
      if (rgb.length !== frameBytes) {
        throw new DepthkitError(`frame has ${rgb.length} bytes, expected ${width}x${height}x3 = ${frameBytes}`, { file });
      }
      if (stdin.write(rgb)) return;
      const exited = await Promise.race([once(stdin, 'drain').then(() => undefined), run.done]);
      if (exited) await fail(exited);
    },
    async close() {
      if (state !== 'open') throw new DepthkitError(`close after ${state}`, { file });
      state = 'closed';
      stdin.end();
      const exit = await run.done;
      if (exit.status !== 'ok') await fail(exit);
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
      run.stop();
      await run.done;
      await fs.rm(tmp, { force: true });
    },
  };
}

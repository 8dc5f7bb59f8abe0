import os from 'node:os';
import { DepthkitError, errorMessage } from '../../errors.js';
import { systemBackend } from './system.js';
import type { FfmpegChoice, VideoBackend } from './types.js';

/** The npm package that carries the embedded FFmpeg for this platform (an optional dependency of node-av). */
export function embeddedPackage(): string {
  return `@seydx/node-av-${os.platform()}-${os.arch()}`;
}

/**
 * Which FFmpeg a choice means. `auto` is the embedded one, unless the environment names the system one:
 * `DEPTHKIT_FFMPEG=system`, or `FFMPEG_PATH` set (someone pointed depthkit at a build of their own).
 */
export function resolveFfmpeg(choice: FfmpegChoice = 'auto', env: NodeJS.ProcessEnv = process.env): 'embedded' | 'system' {
  if (choice !== 'auto') return choice;
  if (env.DEPTHKIT_FFMPEG === 'system' || env.DEPTHKIT_FFMPEG === 'embedded') return env.DEPTHKIT_FFMPEG;
  return env.FFMPEG_PATH ? 'system' : 'embedded';
}

/** Loads node-av's addon once; a one-line DepthkitError naming the package when it cannot. */
export async function loadEmbedded(): Promise<typeof import('./embedded.js')> {
  try {
    return await import('./embedded.js');
  } catch (err) {
    const why = errorMessage(err).split('\n')[0];
    throw new DepthkitError(
      `the embedded FFmpeg cannot load (npm package ${embeddedPackage()}: ${why}); reinstall with npm ci, or use the system one with --ffmpeg system`,
      { exitCode: 1, cause: err },
    );
  }
}

/**
 * node-av's addon loads on first use, not when depthkit starts: commands that never touch video do not pay for it,
 * and a machine where it cannot load still runs them (and `--ffmpeg system`).
 */
const embedded: VideoBackend = {
  name: 'embedded',
  version: async () => (await loadEmbedded()).embeddedBackend.version(),
  probe: async (file) => (await loadEmbedded()).embeddedBackend.probe(file),
  packetTimes: async (file, info) => (await loadEmbedded()).embeddedBackend.packetTimes(file, info),
  async *frames(file, info, req) {
    yield* (await loadEmbedded()).embeddedBackend.frames(file, info, req);
  },
};

/** The one place where an FFmpeg is chosen for reading video. */
export function videoBackend(choice: FfmpegChoice = 'auto'): VideoBackend {
  return resolveFfmpeg(choice) === 'system' ? systemBackend : embedded;
}

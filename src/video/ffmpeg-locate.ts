import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { DepthkitError } from '../errors.js';

const run = promisify(execFile);

export interface FfmpegInfo {
  ffmpeg: string;
  ffprobe: string;
  /** e.g. "5.1.6-0+deb12u1" as printed by `ffmpeg -version`. */
  version: string;
  major: number;
}

/** Oldest ffmpeg major version depthkit accepts (Debian 12 ships 5.1; the 2018 npm builds are 4.x or older). */
export const MIN_FFMPEG_MAJOR = 5;

/** ffmpeg is never downloaded: FFMPEG_PATH / FFPROBE_PATH, else the binaries on PATH. */
export function ffmpegPaths(env: NodeJS.ProcessEnv = process.env): { ffmpeg: string; ffprobe: string } {
  return { ffmpeg: env.FFMPEG_PATH || 'ffmpeg', ffprobe: env.FFPROBE_PATH || 'ffprobe' };
}

export function parseFfmpegVersion(banner: string): { version: string; major: number } | undefined {
  const m = /^(?:ffmpeg|ffprobe) version (n?(\d+)[^\s]*)/m.exec(banner);
  if (!m) return undefined;
  return { version: m[1], major: Number(m[2]) };
}

export async function locateFfmpeg(env: NodeJS.ProcessEnv = process.env): Promise<FfmpegInfo> {
  const paths = ffmpegPaths(env);
  let stdout: string;
  try {
    ({ stdout } = await run(paths.ffmpeg, ['-hide_banner', '-version']));
  } catch {
    throw new DepthkitError(
      `ffmpeg not found at "${paths.ffmpeg}": install it (Debian/Ubuntu: apt-get install -y ffmpeg) or set FFMPEG_PATH`,
      { exitCode: 1 },
    );
  }
  const parsed = parseFfmpegVersion(stdout);
  if (!parsed) throw new DepthkitError(`${paths.ffmpeg}: cannot read its version from "${stdout.split('\n')[0]}"`);
  return { ...paths, ...parsed };
}

/** Refuses ffmpeg builds too old to decode current codecs reliably. */
export function checkFfmpegVersion(info: FfmpegInfo): void {
  // Builds from git ("N-12345-g...") have no release number; accept them.
  if (Number.isFinite(info.major) && info.major < MIN_FFMPEG_MAJOR && !/^N-/.test(info.version)) {
    throw new DepthkitError(
      `${info.ffmpeg} is version ${info.version}; depthkit needs ffmpeg ${MIN_FFMPEG_MAJOR} or newer (set FFMPEG_PATH)`,
      { exitCode: 1 },
    );
  }
}

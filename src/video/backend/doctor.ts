import { errorMessage } from '../../errors.js';
import { checkFfmpegVersion, locateFfmpeg } from '../ffmpeg-locate.js';
import { embeddedPackage, loadEmbedded, resolveFfmpeg } from './index.js';
import type { FfmpegChoice } from './types.js';

export interface FfmpegProbe {
  available: boolean;
  version: string | null;
  /** The package (embedded) or the binary path (system). */
  where: string;
  problem?: string;
}

export interface FfmpegReport {
  choice: FfmpegChoice;
  inUse: 'embedded' | 'system';
  embedded: FfmpegProbe;
  system: FfmpegProbe;
}

/** Both FFmpegs as they are on this machine, and which one a choice (default auto) uses: for `depthkit doctor`. */
export async function probeFfmpegs(choice: FfmpegChoice = 'auto'): Promise<FfmpegReport> {
  let embedded: FfmpegProbe;
  try {
    embedded = { available: true, version: (await loadEmbedded()).embeddedVersion(), where: `${embeddedPackage()}, in process` };
  } catch (err) {
    embedded = { available: false, version: null, where: embeddedPackage(), problem: errorMessage(err) };
  }
  let system: FfmpegProbe;
  try {
    const info = await locateFfmpeg();
    system = { available: true, version: info.version, where: info.ffmpeg };
    try {
      checkFfmpegVersion(info);
    } catch (err) {
      system = { ...system, available: false, problem: errorMessage(err) };
    }
  } catch (err) {
    system = { available: false, version: null, where: 'ffmpeg', problem: errorMessage(err) };
  }
  return { choice, inUse: resolveFfmpeg(choice), embedded, system };
}

export function formatFfmpegReport(r: FfmpegReport): string[] {
  const line = (name: string, p: FfmpegProbe) =>
    `  ${p.available ? '+' : '-'} ${name.padEnd(9)} ${p.version ?? 'missing'} (${p.where})${p.problem ? `: ${p.problem}` : ''}`;
  const why = r.choice !== 'auto' ? `--ffmpeg ${r.choice}` : r.inUse === 'system' ? 'auto: FFMPEG_PATH or DEPTHKIT_FFMPEG=system is set' : 'auto';
  return [`ffmpeg     ${r.inUse} (${why})`, line('embedded', r.embedded), line('system', r.system)];
}

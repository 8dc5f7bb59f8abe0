import { Flags } from '@oclif/core';
import type { FfmpegChoice, HwAccel } from '../video/backend/types.js';

// Literal lists: importing the backends here would load them whenever any command starts.
const FFMPEG_CHOICES: readonly FfmpegChoice[] = ['auto', 'embedded', 'system'];
const HWACCELS: readonly HwAccel[] = ['auto', 'none', 'cuda', 'vaapi'];

/** `--ffmpeg`: every command that reads or writes video. */
export const ffmpegFlags = {
  ffmpeg: Flags.string({
    description: 'FFmpeg that reads and writes video: embedded (in process, installed by npm), system (ffmpeg/ffprobe command line), auto (embedded unless $FFMPEG_PATH or $DEPTHKIT_FFMPEG=system)',
    options: [...FFMPEG_CHOICES],
    default: 'auto',
  }),
};

/** `--hwaccel`: commands that decode video. */
export const hwaccelFlags = {
  hwaccel: Flags.string({
    description: 'hardware video decoding (embedded FFmpeg): auto uses CUDA or VAAPI when present; an absent device falls back to software with a note',
    options: [...HWACCELS],
    default: 'none',
  }),
};

import { colourise, turboTable } from '../report/colormap.js';
import type { DepthMap, RgbImage } from '../metrics/types.js';
import { createEncoder, type Encoder } from './encode.js';
import type { FfmpegChoice } from './backend/types.js';

export interface ColourRange {
  lo: number;
  hi: number;
}

/**
 * The colour range of the whole preview, fixed from one map (the first frame): the 2nd and 98th percentiles of its
 * finite positive values, so that a few outliers do not wash the colours out and the same depth keeps the same
 * colour all through the video (a per-frame range would make the preview flicker by itself).
 */
export function previewRange(depth: DepthMap): ColourRange {
  const values = depth.data.filter((v) => Number.isFinite(v) && v > 0).sort();
  if (values.length === 0) return { lo: 0, hi: 1 };
  // numpy's percentile with method='lower'.
  const at = (q: number) => values[Math.min(values.length - 1, Math.floor(q * (values.length - 1)))];
  const lo = at(0.02);
  const hi = at(0.98);
  return hi > lo ? { lo, hi } : { lo, hi: lo + 1 };
}

/** One preview frame: the RGB frame on the left, the turbo-coloured depth (near = blue end) on the right. */
export function composePreview(rgb: RgbImage, depth: DepthMap, range: ColourRange, lut: Uint8Array): Uint8Array {
  const { width: w, height: h } = rgb;
  const colour = colourise(depth.data, range.lo, range.hi, lut);
  const out = new Uint8Array(2 * w * h * 3);
  for (let y = 0; y < h; y++) {
    out.set(rgb.data.subarray(3 * w * y, 3 * w * (y + 1)), 6 * w * y);
    out.set(colour.subarray(3 * w * y, 3 * w * (y + 1)), 6 * w * y + 3 * w);
  }
  return out;
}

export interface PreviewWriter {
  /** Resolves once the previous frame is encoded; this one encodes meanwhile (its failure: thrown by the next call or close). */
  write(rgb: RgbImage, depth: DepthMap): Promise<void>;
  /** Finishes the video (also after an interrupt: the frames written so far make a valid file). */
  close(): Promise<void>;
  abort(): Promise<void>;
}

/** preview.mp4 writer; the encoder starts on the first frame, whose depth fixes the colour range. */
export function openPreview(file: string, fps: number, ffmpeg?: FfmpegChoice): PreviewWriter {
  const lut = turboTable();
  let encoder: Encoder | undefined;
  let range: ColourRange | undefined;
  let writing: Promise<void> = Promise.resolve();
  return {
    async write(rgb, depth) {
      range ??= previewRange(depth);
      // veryfast: a look at the run, encoded beside the model and the metrics; medium took ~4x the CPU for a smaller file.
      encoder ??= await createEncoder(file, { width: 2 * rgb.width, height: rgb.height, fps, ffmpeg, preset: 'veryfast' });
      const frame = composePreview(rgb, depth, range, lut);
      // One frame in flight: awaiting each write made the frame loop wait for the encoder's thread-pool round trips.
      await writing;
      writing = encoder.write(frame);
      writing.catch(() => {});
    },
    close: async () => {
      await writing;
      await encoder?.close();
    },
    abort: async () => {
      await writing.catch(() => {});
      await encoder?.abort();
    },
  };
}

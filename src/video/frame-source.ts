import { decodeFrames, planFrames, type DecodedFrame, type DecodeOptions, type FramePlan } from './decode.js';
import { isImageSequence, planSequence, sequenceFrames } from './image-sequence.js';

/**
 * The one door `depthkit video` takes frames through: a video file goes to decode.ts (planFrames / decodeFrames),
 * a folder of frames or a pattern (`frames/*.png`, `frames/%06d.png`) to image-sequence.ts. Both plan first (the
 * stream's frames and the selected indices, before anything is decoded) and yield the same DecodedFrame, index =
 * the frame's identity (stream position by presentation time / position in natural order).
 */
export interface SourceOptions {
  /** Frame rate of an image sequence (ignored for video files, which carry their own). */
  fps?: number;
}

export async function planSource(input: string, opts: DecodeOptions & SourceOptions = {}): Promise<FramePlan> {
  return (await isImageSequence(input)) ? planSequence(input, opts) : planFrames(input, opts);
}

/** The planned frames; `plan` comes from planSource for the same input. */
export async function* sourceFrames(input: string, opts: DecodeOptions & { plan: FramePlan }): AsyncGenerator<DecodedFrame> {
  if (opts.plan.backend === 'images') yield* sequenceFrames(opts.plan as Parameters<typeof sequenceFrames>[0], opts);
  else yield* decodeFrames(input, opts);
}

/**
 * Where a run's folder goes by default: beside the video, extension kept so that clip.mp4 and clip.webm differ
 * (clip.mp4 -> clip.mp4.depthkit), beside a frame folder (frames/ -> frames.depthkit).
 */
export function sourceOutBase(input: string): string {
  if (/[*?]|%0?\d*d/.test(input.split(/[\\/]/).pop() ?? '')) return input.replace(/[\\/][^\\/]*$/, '');
  return input.replace(/[\\/]+$/, '');
}

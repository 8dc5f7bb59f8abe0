import { Flags } from '@oclif/core';
import { nonNegativeFlag, positiveFlag } from './flags.js';
import { parseDepthScales } from '../video/depth-checks.js';
import { ENGINE_REQUESTS } from '../model/engine-names.js';
import { ffmpegFlags, hwaccelFlags } from './ffmpeg-flags.js';
import { conventionFlags } from './protocol-flags.js';

/** `--depth-scale 1000` or `--depth-scale a=1000`, each value checked at parse time. */
const depthScaleFlag = Flags.custom<string>({
  parse: async (input) => {
    parseDepthScales([input]);
    return input;
  },
});

/** `depthkit video` flags: depth sources, frame selection, outputs, ground truth. */
export const videoFlags = {
  checkpoint: Flags.string({ description: 'depthkit checkpoint (.safetensors) of the built-in model' }),
  clip: Flags.string({ description: 'Hugging Face CLIP model.safetensors (default: $DEPTHKIT_CLIP)' }),
  backend: Flags.string({ description: 'engine of the built-in model', options: [...ENGINE_REQUESTS], default: 'auto' }),
  workers: Flags.integer({ description: 'tfjs wasm/cpu: model copies in worker threads', min: 1 }),
  depth: Flags.string({ description: 'depth another model wrote: folder of per-frame files, stack .npy or .npz; name=<source> (repeatable)', multiple: true }),
  'depth-key': Flags.string({ description: 'array name inside an .npz --depth' }),
  'depth-scale': depthScaleFlag({ description: 'raw --depth values are divided by this: 1000 (every source) or a=1000 (source a; or --depth a=preds/:1000), repeatable; default 1', multiple: true }),
  'depth-kind': Flags.string({ description: '--depth values are depth or disparity (relative models)', options: ['depth', 'disparity'], default: 'depth' }),
  'allow-mismatch': Flags.boolean({ description: 'truncate to the shorter when frame counts differ', default: false }),
  start: nonNegativeFlag({ description: 'seconds from the start' }),
  fps: positiveFlag({ description: 'frame rate of an image-sequence input (folder or pattern); needed by --start/--duration there, sets the preview rate (default 30)' }),
  duration: positiveFlag({ description: 'seconds to process' }),
  stride: Flags.integer({ description: 'keep every n-th frame', min: 1 }),
  'max-frames': Flags.integer({ description: 'stop after this many frames', min: 1 }),
  'analysis-size': Flags.integer({ description: 'longest side (px) the metrics and flow run at', min: 16, default: 320 }),
  out: Flags.string({ description: 'output folder (default <video>.depthkit/, e.g. clip.mp4.depthkit/)' }),
  save: Flags.string({ description: 'built-in model depth per frame: png16 (mm), npy (m) or none', options: ['png16', 'npy', 'none'], default: 'png16' }),
  preview: Flags.boolean({ description: 'write preview.mp4 (frame | coloured depth)', default: true, allowNo: true }),
  resume: Flags.boolean({ description: 'read back depth files already saved instead of predicting them', default: false }),
  'flow-size': Flags.integer({ description: 'longest side (px) optical flow is estimated at, then upsampled to the analysis size', min: 16, default: 160 }),
  'flow-method': Flags.string({ description: 'optical flow estimator: dis (dense inverse search) or lk (coarse-to-fine Lucas-Kanade)', options: ['dis', 'lk'], default: 'dis' }),
  'flow-preset': Flags.string({ description: 'DIS parameters, as OpenCV\'s presets: fast, medium, or fine (medium at full resolution: slower, more accurate)', options: ['fast', 'medium', 'fine'], default: 'fine' }),
  'flow-workers': Flags.integer({ description: 'worker threads estimating flow (0: on the main thread; default 1)', min: 0 }),
  flow: Flags.string({ description: 'folder of Middlebury .flo files (000000.flo = frame 0 -> 1, bwd_000001.flo = 1 -> 0)' }),
  gt: Flags.string({ description: 'ground-truth depth folder (16-bit PNG or .npy per frame)' }),
  'gt-scale': positiveFlag({ description: 'ground-truth PNG values are divided by this', default: 1000 }),
  align: Flags.string({ description: 'alignment to ground truth (default none, or the --protocol\'s)', options: ['none', 'median', 'scale', 'scale-shift'] }),
  'align-scope': Flags.string({ description: 'one fit per frame or over the whole sequence (default frame, or the --protocol\'s)', options: ['frame', 'sequence'] }),
  'min-depth': positiveFlag({ description: 'minimum valid ground-truth depth (m, exclusive; default 1e-3)' }),
  'max-depth': positiveFlag({ description: 'maximum valid ground-truth depth (m, exclusive; default 80)' }),
  ...conventionFlags,
  poses: Flags.string({ description: 'camera-to-world poses, one 3x4 row a frame (synth/KITTI layout), for TAE' }),
  intrinsics: Flags.string({ description: 'fx fy cx cy (or a 3x3 matrix), for TAE' }),
  plots: Flags.boolean({ description: 'write plots/ (per-frame curves) beside the CSVs', default: true, allowNo: true }),
  ...ffmpegFlags,
  ...hwaccelFlags,
};

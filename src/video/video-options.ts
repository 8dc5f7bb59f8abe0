import type { AlignMode, AlignSpace } from '../metrics/align.js';
import type { FlowMethod } from '../metrics/flow-pair.js';
import type { DisPreset } from '../metrics/flow-dis.js';
import type { DepthModel } from '../model/depth-model.js';
import type { FfmpegChoice, HwAccel } from './backend/types.js';
import type { DepthKind, SaveFormat } from './depth-source.js';
import type { DepthScales } from './depth-checks.js';
import type { Row, VideoConventions } from './frame-row.js';

/** What `depthkit video` (runVideo) is asked to do: the flags, as a library call takes them. */
export interface VideoRunOptions {
  video: string;
  /** Output folder (default `<video file name>.depthkit/` beside the video: clip.mp4.depthkit/). */
  out?: string;
  /** Loads the built-in model (--checkpoint/--clip); called only after every input was checked. */
  loadModel?: () => Promise<DepthModel>;
  /** Frames the built-in model takes per predict() (default: its engine's batch); results do not depend on it. */
  batch?: number;
  /** Row name of the built-in model in the CSVs (default `model`). */
  modelName?: string;
  /** `--depth` specs: `folder`, `stack.npy`, `stack.npz`, or `name=<one of those>`. */
  depth?: string[];
  depthKey?: string;
  depthScale?: number;
  depthScales?: DepthScales; // per source (--depth-scale a=1000), over depthScale
  depthKind?: DepthKind;
  allowMismatch?: boolean;
  /** Which FFmpeg decodes (DecodeOptions.ffmpeg). */
  ffmpeg?: FfmpegChoice;
  start?: number;
  /** Frame rate of an image-sequence input (--fps); video files carry their own. */
  fps?: number;
  duration?: number;
  stride?: number;
  maxFrames?: number;
  /** Longest side of the frames the metrics (and flow) run at; default 320. */
  analysisSize?: number;
  save?: SaveFormat;
  preview?: boolean;
  resume?: boolean;
  /** Longest side (px) the optical flow is estimated at, then upsampled to the analysis size; default 160. */
  flowSize?: number;
  /** Flow estimator (when not read from `flowDir`); default 'dis'. */
  flowMethod?: FlowMethod;
  /** DIS parameter set (`DIS_PRESETS`); default 'fine'. */
  flowPreset?: DisPreset;
  /** Worker threads estimating flow beside inference and the metrics; 0 estimates on the main thread. Default: 1 beside the model, else 2 (flow is then the largest cost). */
  flowWorkers?: number;
  /** Middlebury flows: `000000.flo` = frame 0 -> 1, optional `bwd_000001.flo` = frame 1 -> 0. */
  flowDir?: string;
  gt?: string;
  gtScale?: number;
  align?: AlignMode;
  alignScope?: 'frame' | 'sequence';
  minDepth?: number;
  maxDepth?: number;
  poses?: string;
  intrinsics?: string;
  /** Fit space for every source (a preset's); default: each source's own kind. */
  alignSpace?: AlignSpace;
  /** The preset and convention switches (TAE z-buffer, pooling) this run follows; written to the protocol block. */
  conventions?: VideoConventions;
  /** Frames pulled ahead by each stage (decode, depth; the depth stage at least twice the model's batch); bounds memory. Default 2. */
  ahead?: number;
  /** Stops decoding; the frames in flight are finished and the outputs written for the frames done. */
  signal?: AbortSignal;
  onFrame?: (done: number, total: number) => void;
  log?: (line: string) => void;
  /** The command line, recorded in run.json. */
  command?: string;
  /** Hardware decoding (embedded FFmpeg); a fallback to software is noted in run.json. */
  hwaccel?: HwAccel;
}

export interface VideoRunResult {
  out: string;
  frames: number;
  models: string[];
  summary: Row[];
  files: string[];
  notes: string[];
  interrupted: boolean;
}

export const NO_SOURCE =
  'no depth source: give --checkpoint <depthkit checkpoint> and --clip <CLIP model.safetensors> for the built-in model ' +
  '(see README "Model weights"), or --depth <folder|stack.npy|stack.npz> for depth another model wrote';



import path from 'node:path';
import { errorMessage, FormatError } from '../errors.js';
import { readDepthMap } from '../io/depth-file.js';
import { readDpt } from '../io/sintel.js';
import { resizeBilinear } from '../metrics/resize.js';
import { alignedDepth, frameMoments, frameSums, type FitMoments, type FrameSums, type SequenceFrame } from '../metrics/sequence.js';
import { invert4, multiply4, reprojectionAbsRel, type Intrinsics } from '../metrics/tae.js';
import type { DepthMap } from '../metrics/types.js';
import { PRESETS, resolveCrop, type VideoBenchmark } from '../data/video-benchmarks/presets.js';

/** One frame to read and prepare: plain data, so that a worker thread can take it. */
export interface FrameJob {
  dataset: VideoBenchmark;
  /** "<dataset>/<sequence>", for error lines. */
  label: string;
  gt: string;
  factor: number;
  /** The prediction's file, or the prediction itself (a stack's frame, the model's output). */
  pred: string | DepthMap;
  predKind: 'depth' | 'disparity';
}

/** A frame of the sequence as both passes take it: its job, and for TAE its intrinsics and camera pose. */
export interface FrameTask {
  job: FrameJob;
  K?: Intrinsics;
  pose?: Float64Array;
}

export interface PreparedFrame {
  frame: SequenceFrame;
  width: number;
  height: number;
}

/** The first pass's answer for one frame: its share of the sequence fit, and its size (checked against the first's). */
export interface FrameMoments {
  moments: FitMoments;
  width: number;
  height: number;
}

/** The second pass over consecutive frames: sums for the first `scored`, and TAE of every consecutive pair. */
export interface ChunkTask {
  frames: FrameTask[];
  scored: number;
  fit: { scale: number; shift: number };
  tae?: { zbuffer: boolean };
}

export interface ChunkScores {
  sums: FrameSums[];
  /** Sum over the chunk's pairs of the forward and backward reprojection errors (NaN without tae). */
  tae: number;
}

async function readGt(file: string, factor: number): Promise<DepthMap> {
  return path.extname(file).toLowerCase() === '.dpt' ? readDpt(file) : readDepthMap(file, { scale: factor });
}

function cropMap(map: DepthMap, c: ReturnType<typeof resolveCrop>): Float32Array {
  if (c.width === map.width && c.height === map.height) return map.data;
  const out = new Float32Array(c.width * c.height);
  for (let y = 0; y < c.height; y++) out.set(map.data.subarray((c.top + y) * map.width + c.left, (c.top + y) * map.width + c.right), y * c.width);
  return out;
}

/** Reads, crops and sizes one frame's ground truth and prediction as eval.py / eval_tae.py do. */
export async function prepareFrame(job: FrameJob): Promise<PreparedFrame> {
  const preset = PRESETS[job.dataset];
  let pred = typeof job.pred === 'string' ? await readDepthMap(job.pred) : job.pred;
  const gtFull = await readGt(job.gt, job.factor).catch((err: unknown) => {
    const missing = (err as { message?: string }).message?.includes('ENOENT') || (err as NodeJS.ErrnoException).code === 'ENOENT';
    throw new FormatError(job.gt, `${job.label}: ground truth ${missing ? 'missing' : errorMessage(err)}`, err);
  });
  const crop = resolveCrop(preset.crop, gtFull.width, gtFull.height);
  if (crop.width === 0 || crop.height === 0) throw new FormatError(job.gt, `${job.dataset}: ${gtFull.width}x${gtFull.height} is smaller than the crop`);
  const gt = cropMap(gtFull, crop);
  // eval_tae.py --hard_crop: predictions made on the uncropped frame are cropped like the ground truth.
  if (preset.tae && pred.width === gtFull.width && pred.height === gtFull.height) pred = { data: cropMap(pred, crop), width: crop.width, height: crop.height };
  let data = pred.width === crop.width && pred.height === crop.height ? pred.data : resizeBilinear(pred, crop.width, crop.height).data;
  if (job.predKind === 'depth') data = Float32Array.from(data, (d) => (d > 0 ? 1 / d : 0));
  return { frame: { pred: data, gt }, width: crop.width, height: crop.height };
}

/** First pass: one frame's moments for the sequence's scale and shift; the frame itself is dropped. */
export async function momentsOf(job: FrameJob): Promise<FrameMoments> {
  const { frame, width, height } = await prepareFrame(job);
  return { moments: frameMoments(frame, PRESETS[job.dataset].maxDepth), width, height };
}

/**
 * Second pass, once the fit is known: the frames are read again rather than kept from the first pass, so memory
 * does not grow with the sequence (a 500-frame window at 640x480 would hold 1.2 GB). It costs no more CPU: on the
 * bench's 110-frame Bonn sequence both ways took ~3.9 s of CPU, because first-touching the memory that keeping the
 * frames needs costs about as much as decoding them again (peak RSS 245 vs 400 MB).
 * TAE follows eval_tae.py: K of the first frame of each pair, crop not shifted into K.
 */
export async function scoreChunk(t: ChunkTask): Promise<ChunkScores> {
  const sums: FrameSums[] = [];
  let tae = t.tae ? 0 : NaN;
  let prev: { depth: Float64Array; width: number; height: number; task: FrameTask } | undefined;
  for (const [k, task] of t.frames.entries()) {
    const maxDepth = PRESETS[task.job.dataset].maxDepth;
    const { frame, width, height } = await prepareFrame(task.job);
    if (k < t.scored) sums.push(frameSums(frame, t.fit, maxDepth));
    if (!t.tae) continue;
    const depth = alignedDepth(frame.pred, t.fit, maxDepth);
    if (prev) {
      const t21 = multiply4(invert4(task.pose!), prev.task.pose!);
      tae += reprojectionAbsRel(prev.depth, depth, prev.width, prev.height, t21, prev.task.K!, undefined, t.tae.zbuffer);
      tae += reprojectionAbsRel(depth, prev.depth, prev.width, prev.height, invert4(t21), prev.task.K!, undefined, t.tae.zbuffer);
    }
    prev = { depth, width, height, task };
  }
  return { sums, tae };
}

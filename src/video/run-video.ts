import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { DepthkitError } from '../errors.js';
import { ensureWritableDir, writeFilesAtomic } from '../io/atomic.js';
import { csvContents, csvMetaContent } from '../io/csv.js';
import { computeMetrics, emptyPool, pooledMetrics, type DepthRange, type PixelPool, type Pooling } from '../metrics/accuracy.js';
import { applyAlignment, fitAlignment, type Alignment, type AlignMode, type AlignSpace, type MedianPixels } from '../metrics/align.js';
import { validMask } from '../metrics/mask.js';
import { temporalAlignmentError, type Intrinsics } from '../metrics/tae.js';
import type { DepthMap, Mask } from '../metrics/types.js';
import type { DepthModel } from '../model/depth-model.js';
import { readIntrinsics, readPoses, scaleIntrinsics } from '../synth/calib.js';
import { fitLongestSide } from '../util/size.js';
import { DEPTHKIT_VERSION } from '../version.js';
import type { FfmpegChoice, HwAccel } from './backend/types.js';
import type { DecodedFrame, DecodeReport, FramePlan } from './decode.js';
import { planSource, sourceFrames, sourceOutBase } from './frame-source.js';
import { modelSource, openFileSource, SAVE_SCALE, type AnalysisFrame, type DepthKind, type DepthSource, type SaveFormat } from './depth-source.js';
import { FlowPool } from './flow-pool.js';
import { FLOW_METHOD_NAMES, type FlowMethod } from '../metrics/flow-pair.js';
import type { ProtocolKey } from '../metrics/protocol-keys.js';
import { openFrameLog, type FrameLog } from './frame-log.js';
import { frameColumns, frameRow, GT_PAIR_COLUMNS, MEAN_GT_COLUMNS, PAIR_COLUMNS, poolRow, type Row, type VideoConventions } from './frame-row.js';
import { flowEstimator } from './pair-flows.js';
import { openGtSource, type GtSource } from './gt-source.js';
import { mapStage } from './pipeline.js';
import { openPreview, type PreviewWriter } from './preview.js';
import { planPairing, videoRecord, type Pairing } from './frame-pairing.js';
import type { VideoInfo } from './probe.js';
import { inputRecord } from '../io/run-record.js';
import { checkScaleNames, depthNotes, sourceScale, type DepthScales } from './depth-checks.js';
import { videoBackend } from './backend/index.js';

export interface VideoRunOptions {
  video: string;
  /** Output folder (default `<video file name>.depthkit/` beside the video: clip.mp4.depthkit/). */
  out?: string;
  /** Loads the built-in model (--checkpoint/--clip); called only after every input was checked. */
  loadModel?: () => Promise<DepthModel>;
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
  /** Worker threads estimating flow beside inference and the metrics; 0 estimates on the main thread. Default 1. */
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
  /** Frames pulled ahead by each stage (decode, depth); bounds memory. Default 2. */
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

export type { Row, VideoConventions };

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


/** Disparity sources are measured in depth form (1 / disparity); 0 disparity becomes +Inf, i.e. unusable. */
function depthForm(map: DepthMap, kind: DepthKind): DepthMap {
  if (kind === 'depth') return map;
  return { ...map, data: map.data.map((v) => 1 / v) };
}

interface Kept {
  index: number;
  pred: Float32Array;
  gt?: Float32Array;
  mask?: Mask;
  row: Row;
}

/** What one source keeps over the run: the maps (and rows) a sequence-level fit or TAE needs; other rows go to the frame log. */
interface SourceState {
  source: DepthSource;
  space: AlignSpace;
  kept: Kept[];
  prev?: DepthMap;
  pooled: PixelPool;
}

interface Checked {
  info: VideoInfo;
  plan: FramePlan;
  pairing: Pairing;
  size: { width: number; height: number };
  files: DepthSource[];
  gt?: GtSource;
  poses?: Float64Array[];
  K?: Intrinsics;
  notes: string[];
  /** The FFmpeg that decodes, with its version (run.json `ffmpeg`). */
  ffmpeg: string;
}

/** Every input is opened and checked before anything is written or the model loads. */
async function checkInputs(o: VideoRunOptions): Promise<Checked> {
  const depthSpecs = o.depth ?? [];
  if (!o.loadModel && depthSpecs.length === 0) throw new DepthkitError(NO_SOURCE);
  if (o.flowDir && (o.stride ?? 1) > 1) throw new DepthkitError('--flow files pair consecutive frames; they cannot be used with --stride > 1', { file: o.flowDir });
  if ((o.poses === undefined) !== (o.intrinsics === undefined)) throw new DepthkitError('--poses and --intrinsics go together (TAE needs both)');
  const plan = await planSource(o.video, { fps: o.fps, start: o.start, duration: o.duration, stride: o.stride, maxFrames: o.maxFrames, ffmpeg: o.ffmpeg });
  const ffmpeg = plan.backend === 'images' ? 'none (image files)' : await videoBackend(o.ffmpeg).version();
  const { info } = plan;
  const size = fitLongestSide(info, o.analysisSize ?? 320);
  const scales = { all: o.depthScale, bySource: {}, ...o.depthScales };
  const files = await Promise.all(depthSpecs.map((raw) => sourceScale(raw, scales)).map((s) => openFileSource(s.spec, { scale: s.scale, kind: o.depthKind ?? 'depth', key: o.depthKey })));
  checkScaleNames(scales, files.map((s) => s.name));
  const names = [...(o.loadModel ? ['model'] : []), ...files.map((s) => s.name)];
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup) throw new DepthkitError(`two depth sources are named '${dup}': use --depth name=<source>`);
  const gt = o.gt ? await openGtSource(o.gt, o.gtScale ?? 1000) : undefined;
  const poses = o.poses ? await readPoses(o.poses) : undefined;
  const K = o.intrinsics ? scaleIntrinsics(await readIntrinsics(o.intrinsics), info, size) : undefined;
  // Depth file k, ground-truth file k and pose k belong to stream frame k (frame-pairing.ts).
  const counted = files.filter((s) => s.count !== undefined).map((s) => ({ what: s.description, file: s.location ?? o.video, count: s.count! }));
  if (gt) counted.push({ what: `ground truth ${gt.dir}`, file: gt.dir, count: gt.count });
  if (poses && o.poses) counted.push({ what: `poses ${o.poses}`, file: o.poses, count: poses.length });
  const pairing = planPairing(plan, counted, o.allowMismatch ?? false, o.video);
  return { info, plan, pairing, size, files, gt, poses, K, notes: [...pairing.notes], ffmpeg };
}

/** How decoding went: the decoder's report, and the stream index where --allow-mismatch stopped it. */
interface DecodeEnd { report?: DecodeReport; stoppedAt?: number; notes?: string[] }

/** Decoded frames, each checked to have its files; stopped by the signal or (--allow-mismatch) by the shortest source. */
async function* selectedFrames(o: VideoRunOptions, c: Checked, end: DecodeEnd): AsyncGenerator<DecodedFrame> {
  const frames = sourceFrames(o.video, { plan: c.plan, ...c.size, ffmpeg: o.ffmpeg, hwaccel: o.hwaccel, note: (line) => end.notes?.push(line), onReport: (r) => (end.report = r) });
  for await (const f of frames) {
    if (o.signal?.aborted) return;
    if (c.pairing.admit(f) === 'stop') {
      end.stoppedAt = f.index;
      return;
    }
    yield f;
  }
}

/** The run folder: --out, or `<video>.depthkit` beside it, extension kept (clip.mp4 and clip.webm differ). */
export function videoOutDir(o: { video: string; out?: string }): string {
  return o.out ?? `${sourceOutBase(o.video)}.depthkit`;
}

/**
 * Streams the video through every depth source and writes the run folder (frames.csv, summary.csv, depth/,
 * preview.mp4, run.json). Memory stays flat in the video length unless a sequence-level fit (--gt with
 * --align-scope sequence) or TAE (--poses) needs every map, which are then kept at the analysis size.
 */
export async function runVideo(o: VideoRunOptions): Promise<VideoRunResult> {
  const started = new Date().toISOString();
  const c = await checkInputs(o);
  const out = videoOutDir(o);
  // A run refused while decoding (a frame without its depth file) leaves no empty folder it made.
  const fresh = !existsSync(out);
  await ensureWritableDir(out);
  const save = o.loadModel ? (o.save ?? 'png16') : 'none';
  const depthDir = path.join(out, 'depth');
  if (save !== 'none') await ensureWritableDir(depthDir);
  const model = o.loadModel ? await o.loadModel() : undefined;
  const sources = [...(model ? [modelSource(model, { name: o.modelName, saveDir: depthDir, save, resume: o.resume ?? false })] : []), ...c.files];
  const align = o.align ?? 'none';
  const scope = o.alignScope ?? 'frame';
  const conventions = o.conventions ?? { taeZbuffer: true, pool: 'image', record: {} };
  const range = { minDepth: o.minDepth ?? 1e-3, maxDepth: o.maxDepth ?? 80, nan: conventions.nan };
  const keep = (c.gt !== undefined && scope === 'sequence') || c.poses !== undefined;
  const states: SourceState[] = sources.map((source) => ({ source, space: o.alignSpace ?? (source.kind === 'disparity' ? 'disparity' : 'depth'), kept: [], pooled: emptyPool() }));
  const preview: PreviewWriter | undefined = o.preview === false ? undefined : openPreview(path.join(out, 'preview.mp4'), c.info.fps / (o.stride ?? 1), o.ffmpeg);
  const total = c.pairing.total;
  const notes = [...c.notes];
  const end: DecodeEnd = { notes };
  let interrupted = false;
  const pool = !o.flowDir && (o.flowWorkers ?? 1) > 0 ? FlowPool.start(o.flowWorkers ?? 1) : undefined;
  const pairFlows = flowEstimator(o, pool);
  // Rows go to disk as frames finish (frames.csv appears at the end), so memory does not grow with the video's length.
  const log = await openFrameLog(path.join(out, 'frames.csv'), frameColumns(c.gt !== undefined), states.length);
  const logRow = (k: number, row: Row) => {
    poolRow(states[k].pooled, row);
    return log.append(k, row);
  };
  let prevFrame: AnalysisFrame | undefined;
  let prevGt: DepthMap | undefined;
  let lastQueued: AnalysisFrame | undefined;
  let done = 0;
  try {
    const withDepth = mapStage(
      mapStage(selectedFrames(o, c, end), (f) => f, { ahead: o.ahead ?? 2 }),
      async (f) => {
        const frame: AnalysisFrame = { index: f.index, rgb: f.rgb };
        // Stage calls start in frame order, so the pair is taken here, and its flow runs beside the depth.
        const before = lastQueued;
        lastQueued = frame;
        const flowsP = before ? pairFlows(before, frame) : undefined;
        flowsP?.catch(() => {});
        const depths = await Promise.all(sources.map(async (s) => depthForm(await s.depthAt(frame), s.kind)));
        const gt = c.gt ? await c.gt.at(f.index, c.size.width, c.size.height) : undefined;
        return { frame, time: f.time, depths, gt, flows: await flowsP };
      },
      { ahead: o.ahead ?? 2 },
    );
    for await (const { frame, time, depths, gt, flows } of withDepth) {
      const mask = gt ? validMask(gt, range, null, conventions.gtCapMask) : undefined;
      for (const [k, st] of states.entries()) {
        const d = depths[k];
        const row = frameRow({
          model: st.source.name, frame: frame.index, time, rgb: frame.rgb, depth: d,
          prev: prevFrame && st.prev && flows ? { rgb: prevFrame.rgb, depth: st.prev, flows, gt: prevGt } : undefined,
          gt: gt && mask ? { depth: gt, mask } : undefined,
          accuracy: scope === 'frame' ? { ...range, ...conventions, align, space: st.space } : undefined,
        });
        // Kept rows get their sequence-scope columns at the end and are logged then.
        if (keep) st.kept.push({ index: frame.index, pred: d.data, gt: gt?.data, mask, row });
        else await logRow(k, row);
        st.prev = d;
      }
      await preview?.write(frame.rgb, depths[0]);
      prevFrame = frame;
      prevGt = gt;
      done++;
      o.onFrame?.(done, Math.max(done, total));
    }
    if (done === 0 && !o.signal?.aborted) throw new DepthkitError('no frames decoded (empty selection or unreadable video)', { file: o.video });
    // A signal after the last frame was decoded stopped nothing: the run is complete.
    interrupted = (o.signal?.aborted ?? false) && !end.report?.complete && end.stoppedAt === undefined;
    notes.push(...c.pairing.finish(interrupted ? undefined : end.report, end.stoppedAt));
  } catch (err) {
    await log.abort();
    await preview?.abort();
    await Promise.allSettled(sources.map((s) => s.close()));
    if (fresh) for (const d of [depthDir, out]) await fs.rmdir(d).catch(() => {});
    throw err;
  } finally {
    await pool?.dispose();
  }

  // The encoder's ffmpeg runs in its own process group, so Ctrl-C does not reach it; should it still die (a signal
  // sent to it directly), the CSVs of the frames done matter more than the preview: an interrupted run only notes it.
  await preview?.close().catch(async (err: unknown) => {
    if (!interrupted) {
      await log.abort();
      throw err;
    }
    notes.push(`preview not written (${(err as Error).message})`);
  });
  await Promise.all(sources.map((s) => s.close()));
  const taes = states.map((st) => finishSequence(st, { align, scope, range, poses: c.poses, K: c.K, hasGt: c.gt !== undefined, ...conventions }));
  for (const [k, st] of states.entries()) for (const kept of st.kept) await logRow(k, kept.row);
  notes.push(...resizeNotes(sources, c), ...depthNotes(sources, c.gt, c.info, range.maxDepth));
  const summary = states.map((st, k) => summaryRow(st, k, log, o.video, taes[k], c.gt !== undefined, conventions.pool));
  const protocol = {
    analysis_size: `${c.size.width}x${c.size.height}`,
    align,
    align_scope: scope,
    depth_kind: states.map((st) => `${st.source.name}:${st.source.kind}`).join(' '),
    align_space: states.map((st) => `${st.source.name}:${st.space}`).join(' '),
    min_depth: range.minDepth,
    max_depth: range.maxDepth,
    gt_scale: o.gtScale ?? 1000,
    depth_scale: c.files.map((s) => `${s.name}:${s.scale}`).join(' ') || (o.depthScale ?? 1),
    flow: o.flowDir ? `files ${o.flowDir} (missing backward flows estimated)` : `estimated (${FLOW_METHOD_NAMES[o.flowMethod ?? 'dis']}) at ${flowSizeText(c.size, o.flowSize ?? 160)}`,
    temporal: 'opw/rtc/flicker/smoothness on depth form (1/disparity for disparity sources), unaligned',
    tae: c.poses ? (c.gt && align !== 'none' ? `one ${align} fit over the sequence` : 'unaligned depth') : 'n/a',
    ...conventions.record,
  } satisfies Partial<Record<ProtocolKey, string | number>>;
  const files = await writeOutputs(out, { o, c, states, log, summary, protocol, notes, started, interrupted, done, save, models: sources.map((s) => s.name), decode: end.report });
  return { out, frames: done, models: sources.map((s) => s.name), summary, files, notes, interrupted };
}

function flowSizeText(size: { width: number; height: number }, flowSize: number): string {
  const f = fitLongestSide(size, flowSize);
  return f.width === size.width && f.height === size.height ? 'the analysis size' : `${f.width}x${f.height}, upsampled (bilinear) to the analysis size`;
}

/** Sequence-scope accuracy (one fit over every kept frame) and TAE; returns the TAE (NaN without poses). */
function finishSequence(
  st: SourceState,
  p: { align: AlignMode; scope: 'frame' | 'sequence'; range: DepthRange; poses?: Float64Array[]; K?: Intrinsics; hasGt: boolean; taeZbuffer: boolean; medianPixels?: MedianPixels },
): number {
  if (st.kept.length === 0) return NaN;
  const samples = p.hasGt ? st.kept.map((k) => ({ pred: k.pred, gt: k.gt!, mask: k.mask! })) : [];
  const fit: Alignment | undefined = p.hasGt ? fitAlignment(samples, p.align, st.space, p.medianPixels) : undefined;
  const aligned = st.kept.map((k) => (fit && p.align !== 'none' ? applyAlignment(k.pred, fit, p.range.maxDepth) : k.pred));
  if (fit && p.scope === 'sequence') {
    st.kept.forEach((k, i) => {
      const { valid_pixels, ...m } = computeMetrics(aligned[i], k.gt!, k.mask!, p.range);
      Object.assign(k.row, m, { valid_pixels, align_scale: fit.scale, align_shift: fit.shift });
    });
  }
  if (!p.poses || !p.K) return NaN;
  const { width, height } = st.prev!;
  const depths = aligned.map((data) => ({ data, width, height }));
  const clamp = p.hasGt ? { min: p.range.minDepth, max: p.range.maxDepth } : undefined;
  return temporalAlignmentError(depths, st.kept.map((k) => p.poses![k.index]), p.K, { clamp, zbuffer: p.taeZbuffer }).tae;
}

function summaryRow(st: SourceState, k: number, log: FrameLog, video: string, tae: number, hasGt: boolean, pool: Pooling): Row {
  const row: Row = { model: st.source.name, video, frames: log.count(k), depth_kind: st.source.kind, align_space: st.space };
  const cols = ['smoothness', ...(hasGt ? MEAN_GT_COLUMNS : []), ...PAIR_COLUMNS, ...(hasGt ? GT_PAIR_COLUMNS : [])];
  for (const col of cols) row[col] = log.mean(k, col);
  if (hasGt && pool === 'pixels') Object.assign(row, pooledMetrics(st.pooled));
  row.tae = tae;
  return row;
}

function resizeNotes(sources: DepthSource[], c: Checked): string[] {
  const at = `${c.size.width}x${c.size.height}`;
  const notes = sources.filter((s) => s.resizedFrom).map((s) => `${s.name}: depth resized (bilinear) from ${s.resizedFrom!.width}x${s.resizedFrom!.height} to the analysis size ${at}`);
  if (c.gt?.resizedFrom) notes.push(`ground truth resized (nearest) from ${c.gt.resizedFrom.width}x${c.gt.resizedFrom.height} to ${at}`);
  if (c.size.width !== c.info.width) notes.push(`metrics at the analysis size ${at} (video ${c.info.width}x${c.info.height}; --analysis-size)`);
  return notes;
}

interface OutputContext {
  o: VideoRunOptions;
  c: Checked;
  states: SourceState[];
  log: FrameLog;
  summary: Row[];
  protocol: Record<string, string | number>;
  notes: string[];
  started: string;
  interrupted: boolean;
  done: number;
  save: SaveFormat;
  models: string[];
  decode?: DecodeReport;
}

/** CSVs and run.json as one atomic set: run.json always describes the CSVs beside it. */
async function writeOutputs(out: string, x: OutputContext): Promise<string[]> {
  const hasGt = x.c.gt !== undefined;
  const summaryColumns = ['model', 'video', 'frames', 'depth_kind', 'align_space', 'smoothness', ...(hasGt ? MEAN_GT_COLUMNS : []), ...PAIR_COLUMNS, ...(hasGt ? GT_PAIR_COLUMNS : []), 'tae'];
  const meta = { ...x.protocol, frames: x.done, interrupted: x.interrupted };
  const framesCsv = path.join(out, 'frames.csv');
  const summaryCsv = path.join(out, 'summary.csv');
  const outputs = [framesCsv, summaryCsv];
  if (x.save !== 'none') outputs.push(path.join(out, 'depth'));
  if (x.o.preview !== false) outputs.push(path.join(out, 'preview.mp4'));
  const runJson = path.join(out, 'run.json');
  const paths = inputRecord(out, { video: x.o.video, gt: x.o.gt, poses: x.o.poses, intrinsics: x.o.intrinsics, flow: x.o.flowDir });
  const record = {
    kind: 'video',
    command: x.o.command ?? null,
    video: path.resolve(x.o.video),
    inputs: paths.inputs,
    inputs_relative: paths.inputsRelative,
    info: videoRecord(x.c.plan, x.decode),
    ffmpeg: x.c.ffmpeg,
    models: x.models,
    depth_kinds: Object.fromEntries(x.states.map((st) => [st.source.name, st.source.kind])),
    descriptions: Object.fromEntries(x.states.map((st) => [st.source.name, st.source.description])),
    protocol: x.protocol,
    started: x.started,
    finished: new Date().toISOString(),
    depthkit_version: DEPTHKIT_VERSION,
    node: process.version,
    options: {
      start: x.o.start ?? null,
      duration: x.o.duration ?? null,
      stride: x.o.stride ?? 1,
      max_frames: x.o.maxFrames ?? null,
      save: x.save,
      save_scale: x.save === 'none' ? null : SAVE_SCALE[x.save],
      save_size: x.protocol.analysis_size,
      resume: x.o.resume ?? false,
      gt: paths.inputs.gt ?? null,
      poses: paths.inputs.poses ?? null,
      intrinsics: paths.inputs.intrinsics ?? null,
      depth: x.o.depth ?? [],
    },
    frames_done: x.done,
    interrupted: x.interrupted,
    notes: x.notes,
    outputs: [...outputs.map((f) => path.basename(f)), 'run.json'],
  };
  // One set: a full disk or a permission error while writing leaves every earlier file as it was.
  await writeFilesAtomic([
    { file: framesCsv, data: { staged: await x.log.stage() } },
    csvMetaContent(framesCsv, meta),
    ...csvContents(summaryCsv, x.summary, summaryColumns, meta),
    { file: runJson, data: `${JSON.stringify(record, null, 2)}\n` },
  ]);
  return [...outputs, runJson];
}

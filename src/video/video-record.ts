import path from 'node:path';
import { writeFilesAtomic } from '../io/atomic.js';
import { csvContents, csvMetaContent } from '../io/csv.js';
import { inputRecord, runRecordContent } from '../io/run-record.js';
import type { DepthRange } from '../metrics/accuracy.js';
import type { AlignMode } from '../metrics/align.js';
import { flowMethodName } from '../metrics/flow-pair.js';
import type { ProtocolKey } from '../metrics/protocol-keys.js';
import { fitLongestSide } from '../util/size.js';
import type { DecodeReport } from './decode.js';
import { SAVE_SCALE, type DepthSource, type SaveFormat } from './depth-source.js';
import type { FrameLog } from './frame-log.js';
import { videoRecord } from './frame-pairing.js';
import type { Row, VideoConventions } from './frame-row.js';
import { summaryColumns, type SourceState } from './source-scores.js';
import type { VideoInputs } from './video-inputs.js';
import type { VideoRunOptions } from './video-options.js';

function flowSizeText(size: { width: number; height: number }, flowSize: number): string {
  const f = fitLongestSide(size, flowSize);
  return f.width === size.width && f.height === size.height ? 'the analysis size' : `${f.width}x${f.height}, upsampled (bilinear) to the analysis size`;
}

/** The protocol block of run.json and of the CSVs' metadata: what the numbers of this run mean. */
export function videoProtocol(
  o: VideoRunOptions,
  c: VideoInputs,
  states: SourceState[],
  p: { align: AlignMode; scope: 'frame' | 'sequence'; range: DepthRange; conventions: VideoConventions },
): Record<string, string | number> {
  return {
    analysis_size: `${c.size.width}x${c.size.height}`,
    align: p.align,
    align_scope: p.scope,
    depth_kind: states.map((st) => `${st.source.name}:${st.source.kind}`).join(' '),
    align_space: states.map((st) => `${st.source.name}:${st.space}`).join(' '),
    min_depth: p.range.minDepth,
    max_depth: p.range.maxDepth,
    gt_scale: o.gtScale ?? 1000,
    depth_scale: c.files.map((s) => `${s.name}:${s.scale}`).join(' ') || (o.depthScale ?? 1),
    flow: o.flowDir ? `files ${o.flowDir} (missing backward flows estimated)` : `estimated (${flowMethodName(o.flowMethod ?? 'dis', o.flowPreset)}) at ${flowSizeText(c.size, o.flowSize ?? 160)}`,
    temporal: 'opw/rtc/flicker/smoothness on depth form (1/disparity for disparity sources), unaligned',
    tae: c.poses ? (c.gt && p.align !== 'none' ? `one ${p.align} fit over the sequence` : 'unaligned depth') : 'n/a',
    ...p.conventions.record,
  } satisfies Partial<Record<ProtocolKey, string | number>>;
}

/** Notes on what was resized to the analysis size. */
export function resizeNotes(sources: DepthSource[], c: VideoInputs): string[] {
  const at = `${c.size.width}x${c.size.height}`;
  const notes = sources.filter((s) => s.resizedFrom).map((s) => `${s.name}: depth resized (bilinear) from ${s.resizedFrom!.width}x${s.resizedFrom!.height} to the analysis size ${at}`);
  if (c.gt?.resizedFrom) notes.push(`ground truth resized (nearest) from ${c.gt.resizedFrom.width}x${c.gt.resizedFrom.height} to ${at}`);
  if (c.size.width !== c.info.width) notes.push(`metrics at the analysis size ${at} (video ${c.info.width}x${c.info.height}; --analysis-size)`);
  return notes;
}

export interface VideoOutputs {
  o: VideoRunOptions;
  c: VideoInputs;
  states: SourceState[];
  log: FrameLog;
  summary: Row[];
  protocol: Record<string, string | number>;
  notes: string[];
  started: string;
  interrupted: boolean;
  done: number;
  save: SaveFormat;
  decode?: DecodeReport;
}

/** CSVs and run.json (io/run-record.ts) as one atomic set: run.json always describes the CSVs beside it. */
export async function writeVideoOutputs(out: string, x: VideoOutputs): Promise<string[]> {
  const hasGt = x.c.gt !== undefined;
  const meta = { ...x.protocol, frames: x.done, interrupted: x.interrupted };
  const framesCsv = path.join(out, 'frames.csv');
  const summaryCsv = path.join(out, 'summary.csv');
  const outputs = [framesCsv, summaryCsv];
  if (x.save !== 'none') outputs.push(path.join(out, 'depth'));
  if (x.o.preview !== false) outputs.push(path.join(out, 'preview.mp4'));
  const paths = inputRecord(out, { video: x.o.video, gt: x.o.gt, poses: x.o.poses, intrinsics: x.o.intrinsics, flow: x.o.flowDir });
  const record = runRecordContent(out, {
    kind: 'video',
    command: x.o.command ?? null,
    video: path.resolve(x.o.video),
    inputs: paths.inputs,
    inputs_relative: paths.inputsRelative,
    info: videoRecord(x.c.plan, x.decode),
    ffmpeg: x.c.ffmpeg,
    models: x.states.map((st) => st.source.name),
    depth_kinds: Object.fromEntries(x.states.map((st) => [st.source.name, st.source.kind])),
    descriptions: Object.fromEntries(x.states.map((st) => [st.source.name, st.source.description])),
    protocol: x.protocol,
    started: x.started,
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
  });
  // One set: a full disk or a permission error while writing leaves every earlier file as it was.
  await writeFilesAtomic([
    { file: framesCsv, data: { staged: await x.log.stage() } },
    csvMetaContent(framesCsv, meta),
    ...csvContents(summaryCsv, x.summary, summaryColumns(hasGt), meta),
    record,
  ]);
  return [...outputs, record.file];
}

import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { DepthkitError } from '../errors.js';
import { ensureWritableDir } from '../io/atomic.js';
import { depthNotes } from './depth-checks.js';
import { modelSource } from './depth-source.js';
import { openFrameLog } from './frame-log.js';
import { frameColumns } from './frame-row.js';
import { logRow, runFrames } from './frame-loop.js';
import { openPreview, type PreviewWriter } from './preview.js';
import { sourceOutBase } from './frame-source.js';
import { finishSequence, sourceState, summaryRow } from './source-scores.js';
import { checkInputs, type DecodeEnd } from './video-inputs.js';
import type { VideoRunOptions, VideoRunResult } from './video-options.js';
import { resizeNotes, videoProtocol, writeVideoOutputs } from './video-record.js';

export { NO_SOURCE, type VideoRunOptions, type VideoRunResult } from './video-options.js';
export type { Row, VideoConventions } from './frame-row.js';

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
  const sources = [...(model ? [modelSource(model, { name: o.modelName, saveDir: depthDir, save, resume: o.resume ?? false, batch: o.batch })] : []), ...c.files];
  const align = o.align ?? 'none';
  const scope = o.alignScope ?? 'frame';
  const conventions = o.conventions ?? { taeZbuffer: true, pool: 'image', record: {} };
  const range = { minDepth: o.minDepth ?? 1e-3, maxDepth: o.maxDepth ?? 80, nan: conventions.nan };
  const states = sources.map((source) => sourceState(source, o.alignSpace));
  const preview: PreviewWriter | undefined = o.preview === false ? undefined : openPreview(path.join(out, 'preview.mp4'), c.info.fps / (o.stride ?? 1), o.ffmpeg);
  const notes = [...c.notes];
  const end: DecodeEnd = { notes };
  let interrupted = false;
  // Rows go to disk as frames finish (frames.csv appears at the end), so memory does not grow with the video's length.
  const log = await openFrameLog(path.join(out, 'frames.csv'), frameColumns(c.gt !== undefined), states.length);
  let done = 0;
  try {
    done = await runFrames({ o, c, states, log, preview, end, range, conventions, align, scope });
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
  const hasGt = c.gt !== undefined;
  const taes = states.map((st) => finishSequence(st, { align, scope, range, poses: c.poses, K: c.K, hasGt, ...conventions }));
  for (const [k, st] of states.entries()) for (const kept of st.kept) await logRow(log, st, k, kept.row);
  notes.push(...resizeNotes(sources, c), ...depthNotes(sources, c.gt, c.info, range.maxDepth));
  const summary = states.map((st, k) => summaryRow(st, k, log, o.video, taes[k], hasGt, conventions.pool));
  const protocol = videoProtocol(o, c, states, { align, scope, range, conventions });
  const files = await writeVideoOutputs(out, { o, c, states, log, summary, protocol, notes, started, interrupted, done, save, decode: end.report });
  return { out, frames: done, models: sources.map((s) => s.name), summary, files, notes, interrupted };
}

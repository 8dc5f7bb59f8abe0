import { promises as fs } from 'node:fs';
import path from 'node:path';
import { DepthkitError, errorMessage } from '../errors.js';
import { ensureWritableDir, writeFileAtomic } from '../io/atomic.js';
import { reportHtml, type ReportRun } from './html.js';
import { runPlots } from './plots.js';
import { readRunFolder, type RunFolder } from './run-folder.js';
import { renderEvalWorstStrips } from './strips.js';
import { summaryRows, summaryTable } from './summary-table.js';
import { naturalCompare } from '../io/numbered-files.js';

export interface ReportResult {
  out: string;
  runs: { name: string; dir: string; kind: string }[];
}

function text(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'object') return Array.isArray(v) && v.every((x) => typeof x !== 'object') ? v.join(', ') : JSON.stringify(v);
  return String(v);
}

/** Nested objects become dotted keys (info.width) so that runs line up key by key. */
function flatten(obj: Record<string, unknown>, prefix = '', out: Record<string, string> = {}): Record<string, string> {
  for (const [k, v] of Object.entries(obj)) {
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) flatten(v as Record<string, unknown>, `${prefix}${k}.`, out);
    else out[`${prefix}${k}`] = text(v);
  }
  return out;
}

/** Folder names; runs that share one are told apart by as many parent folders as it takes (a/run, b/run). */
function runNames(dirs: string[]): string[] {
  const parts = dirs.map((d) => path.resolve(d).split(path.sep).filter(Boolean));
  const name = (i: number, k: number) => parts[i].slice(-k).join('/');
  return parts.map((p, i) => {
    let k = 1;
    while (k < p.length && parts.some((_, j) => j !== i && name(j, k) === name(i, k))) k++;
    return name(i, k);
  });
}

async function savedStrips(dir: string): Promise<{ name: string; png: Uint8Array }[]> {
  const names = (await fs.readdir(dir).catch(() => [] as string[])).filter((n) => n.toLowerCase().endsWith('.png')).sort(naturalCompare);
  return Promise.all(names.map(async (n) => ({ name: n.replace(/\.png$/i, ''), png: await fs.readFile(path.join(dir, n)) })));
}

/** Strips the run saved, else (eval runs) the worst images drawn now; a run whose inputs moved gets a note instead. */
async function stripsOf(run: RunFolder): Promise<Pick<ReportRun, 'strips' | 'notes'>> {
  const saved = await savedStrips(path.join(run.dir, 'strips'));
  if (saved.length > 0 || run.kind !== 'eval') return { strips: saved, notes: [] };
  try {
    return { strips: await renderEvalWorstStrips(run), notes: [] };
  } catch (err) {
    if (!(err instanceof DepthkitError)) throw err;
    return { strips: [], notes: [`worst-image strips not drawn: ${errorMessage(err)}`] };
  }
}

async function reportRun(run: RunFolder, name: string): Promise<ReportRun> {
  const { protocol, outputs, ...rest } = run.runJson ?? {};
  const recorded = run.rows.meta ?? run.summary.meta ?? (protocol && typeof protocol === 'object' ? protocol as Record<string, unknown> : {});
  const config = flatten(rest);
  if (Array.isArray(outputs)) config.outputs = text(outputs);
  return { name, dir: run.dir, kind: run.kind, config, protocol: flatten(recorded), plots: await runPlots(run), ...(await stripsOf(run)) };
}

/**
 * Writes one self-contained HTML page comparing the runs (default `<first run>/report.html`). Every run folder is
 * read before anything is written, so a bad folder leaves no page behind.
 */
export async function writeReport(runDirs: string[], opts: { out?: string; now?: Date } = {}): Promise<ReportResult> {
  if (runDirs.length === 0) throw new DepthkitError('name at least one run folder');
  const folders = await Promise.all(runDirs.map((d) => readRunFolder(d)));
  const names = runNames(runDirs);
  const runs: ReportRun[] = [];
  for (const [i, f] of folders.entries()) runs.push(await reportRun(f, names[i]));
  const out = opts.out ?? path.join(runDirs[0], 'report.html');
  const html = reportHtml({
    title: runs.length === 1 ? `depthkit report: ${names[0]}` : `depthkit report: ${names.join(' vs ')}`,
    generated: (opts.now ?? new Date()).toISOString().replace(/\.\d+Z$/, 'Z'),
    runs,
    summary: summaryTable(folders.flatMap((f, i) => summaryRows(f, names[i]))),
  });
  await ensureWritableDir(path.dirname(path.resolve(out)));
  await writeFileAtomic(out, html);
  return { out, runs: runs.map((r) => ({ name: r.name, dir: r.dir, kind: r.kind })) };
}

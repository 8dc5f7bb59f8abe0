import type { SummaryTable } from './summary-table.js';

/** What the page shows of one run; built by report.ts from the run folder. */
export interface ReportRun {
  name: string;
  dir: string;
  kind: string;
  /** run.json flattened to `key.sub` -> text (the protocol is shown apart). */
  config: Record<string, string>;
  /** The protocol recorded beside the CSVs (crop, caps, alignment, scope, count, version). */
  protocol: Record<string, string>;
  plots: { file: string; title: string; png: Uint8Array }[];
  strips: { name: string; png: Uint8Array }[];
  /** Why something is missing (e.g. strips that could not be drawn). */
  notes: string[];
}

export interface ReportPage {
  title: string;
  generated: string;
  runs: ReportRun[];
  summary: SummaryTable;
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ESCAPES[c]);

const dataUri = (png: Uint8Array) => `data:image/png;base64,${Buffer.from(png).toString('base64')}`;

/** Integers as they are, other numbers to four significant digits (enough to rank, short enough to read). */
export function formatValue(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(4)));
}

const ARROW: Record<string, string> = { lower: ' ↓', higher: ' ↑' };

const DIRECTION_NOTE: Record<string, string> = { lower: 'lower is better', higher: 'higher is better' };

/**
 * Metrics as rows and runs (video runs: one column per model) as columns: the runs of a report are few, the
 * metrics many, so the table stays narrow and reads down like the protocol table beside it.
 */
function summaryHtml(t: SummaryTable): string {
  const label = (r: SummaryTable['rows'][number]) => (r.model === undefined ? esc(r.run) : `${esc(r.run)}<br><span class="model">${esc(r.model)}</span>`);
  const head = `<tr><th>metric</th>${t.rows.map((r) => `<th class="num">${label(r)}</th>`).join('')}</tr>`;
  const body = t.columns.map((c) => {
    const cells = t.rows.map((r) => {
      const v = r.values[c.name];
      if (v === undefined) return '<td class="num na">–</td>';
      const best = t.best[c.name] === v;
      return `<td class="num${best ? ' best' : ''}">${esc(formatValue(v))}</td>`;
    });
    const note = DIRECTION_NOTE[c.direction];
    return `<tr><th scope="row"${note ? ` title="${note}"` : ''}>${esc(c.name)}${ARROW[c.direction] ?? ''}</th>${cells.join('')}</tr>`;
  });
  return `<div class="scroll"><table class="summary"><thead>${head}</thead><tbody>${body.join('')}</tbody></table></div>`;
}

/** Keys as rows, runs as columns; a row whose recorded values differ between runs is marked: that is what to look at. */
function keyTable(runs: ReportRun[], pick: (r: ReportRun) => Record<string, string>): string {
  const keys: string[] = [];
  for (const r of runs) for (const k of Object.keys(pick(r))) if (!keys.includes(k)) keys.push(k);
  if (keys.length === 0) return '<p class="note">not recorded</p>';
  const head = `<tr><th>key</th>${runs.map((r) => `<th>${esc(r.name)}</th>`).join('')}</tr>`;
  const rows = keys.map((k) => {
    const values = runs.map((r) => pick(r)[k]);
    const differs = new Set(values.filter((v) => v !== undefined)).size > 1;
    return `<tr${differs ? ' class="differs"' : ''}><th scope="row">${esc(k)}</th>${values.map((v) => `<td>${v === undefined ? '<span class="na">–</span>' : esc(v)}</td>`).join('')}</tr>`;
  });
  return `<div class="scroll"><table class="kv"><thead>${head}</thead><tbody>${rows.join('')}</tbody></table></div>`;
}

function figure(r: ReportRun, p: ReportRun['plots'][number], caption: string): string {
  return `<figure><img src="${dataUri(p.png)}" alt="${esc(`${r.name}: ${p.title}`)}"><figcaption>${esc(caption)}</figcaption></figure>`;
}

/**
 * Runs of one kind compared plot by plot: a row per chart, a column per run, so that the same chart lines up.
 * A kind with a single run shows its charts in a plain grid instead.
 */
function plotsHtml(runs: ReportRun[]): string {
  const kinds = [...new Set(runs.map((r) => r.kind))];
  const html = kinds.map((kind) => {
    const group = runs.filter((r) => r.kind === kind && r.plots.length > 0);
    if (group.length === 0) return '';
    if (group.length === 1) {
      const [r] = group;
      return `<h3>${esc(r.name)} (${esc(kind)})</h3><div class="grid">${r.plots.map((p) => figure(r, p, p.title)).join('')}</div>`;
    }
    const files: string[] = [];
    for (const r of group) for (const p of r.plots) if (!files.includes(p.file)) files.push(p.file);
    const rows = files.map((file) => {
      const cells = group.map((r) => {
        const p = r.plots.find((q) => q.file === file);
        return p ? figure(r, p, r.name) : `<figure><div class="na">${esc(r.name)}: not available</div></figure>`;
      });
      return `<div class="row" style="--cols:${group.length}">${cells.join('')}</div>`;
    });
    return `<h3>${esc(kind)} runs: ${group.map((r) => esc(r.name)).join(' | ')}</h3>${rows.join('')}`;
  }).join('');
  return html || '<p class="note">no plots</p>';
}

function stripsHtml(r: ReportRun): string {
  const notes = r.notes.map((n) => `<p class="note">${esc(n)}</p>`).join('');
  const strips = r.strips.map((s) => `<figure class="strip"><img src="${dataUri(s.png)}" alt="${esc(`${r.name}: ${s.name}`)}"></figure>`).join('');
  return `<h3>${esc(r.name)}</h3>${strips || (notes ? '' : '<p class="note">no strips</p>')}${notes}`;
}

const CSS = `
:root{--fg:#1d2330;--muted:#5b6474;--line:#d8dde6;--head:#f1f4f8;--best:#d7f0da;--bestfg:#11602a;--diff:#fff6d6}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 "DejaVu Sans","Liberation Sans",system-ui,sans-serif;color:var(--fg);background:#fafbfc}
header{padding:20px 32px;background:#1d2330;color:#fff}
header h1{margin:0;font-size:22px}
header p{margin:4px 0 0;color:#c6cdd9}
main{padding:8px 32px 40px;max-width:1800px}
h2{margin:28px 0 10px;font-size:18px;border-bottom:2px solid var(--line);padding-bottom:4px}
h3{margin:18px 0 8px;font-size:15px}
table{border-collapse:collapse;background:#fff;margin:4px 0 8px}
th,td{border:1px solid var(--line);padding:4px 10px;text-align:left;vertical-align:top}
thead th{background:var(--head);position:sticky;top:0}
.summary th{white-space:nowrap}
.summary thead th{text-align:right}
.summary thead th:first-child{text-align:left}
.model{font-weight:400;color:var(--muted)}
.scroll{overflow-x:auto}
td.num{text-align:right;font-variant-numeric:tabular-nums}
td.best,.best-key{background:var(--best);color:var(--bestfg);font-weight:700}
.best-key{padding:0 4px}
tr.differs>*{background:var(--diff)}
.kv td{max-width:520px;overflow-wrap:anywhere;font-family:"DejaVu Sans Mono",monospace;font-size:12.5px}
.na{color:var(--muted)}
.note,.legend{color:var(--muted);margin:4px 0}
.row{display:grid;grid-template-columns:repeat(var(--cols),minmax(0,1fr));gap:16px;margin-bottom:12px}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(480px,1fr));gap:16px}
figure{margin:0;background:#fff;border:1px solid var(--line);padding:8px}
figure img{display:block;width:100%;max-width:560px;height:auto;margin:0 auto}
figure.strip{display:table;max-width:100%;margin-bottom:12px;overflow-x:auto}
figure.strip img{max-width:100%;width:auto;margin:0}
figcaption{text-align:center;color:var(--muted);font-size:12px;margin-top:4px}
`;

/** The whole page: self-contained (styles inline, images as data: URIs, no script), readable offline. */
export function reportHtml(page: ReportPage): string {
  const { runs, summary } = page;
  const names = runs.map((r) => esc(r.name)).join(', ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(page.title)}</title>
<style>${CSS}</style>
</head>
<body>
<header><h1>${esc(page.title)}</h1><p>${runs.length} run${runs.length === 1 ? '' : 's'}: ${names} · generated ${esc(page.generated)}</p></header>
<main>
<section id="summary"><h2>Summary</h2>${summaryHtml(summary)}
<p class="legend">↓ lower is better, ↑ higher is better; the best value of each ranked metric across the columns is <span class="best-key">highlighted in green</span> (counts are not ranked).</p></section>
<section id="protocol"><h2>Protocol</h2>${keyTable(runs, (r) => r.protocol)}<p class="legend">Rows that differ between runs are shaded: their numbers may not be comparable.</p></section>
<section id="configuration"><h2>Configuration and versions</h2>${keyTable(runs, (r) => ({ folder: r.dir, kind: r.kind, ...r.config }))}</section>
<section id="plots"><h2>Plots</h2>${plotsHtml(runs)}</section>
<section id="strips"><h2>Worst images</h2><p class="legend">RGB | prediction | ground truth (black: no valid depth) | abs-rel error (grey: no valid depth), worst abs_rel first.</p>${runs.map(stripsHtml).join('')}</section>
</main>
</body>
</html>
`;
}

import type { TopLevelSpec } from 'vega-lite';
import { replaceImages } from '../io/atomic.js';
import { metricDirection } from '../ci/metric-direction.js';
import { chartPng } from './chart.js';
import { optionalNumber, readRunFolder, requireKind, rowsFile, type RunFolder, type RunKind } from './run-folder.js';

/** A rendered plot: the file name it is saved under in `<run>/plots/` and its PNG bytes. */
export interface Plot {
  file: string;
  title: string;
  png: Buffer;
}

/** Histograms of the eval run's per-image errors (one per metric). */
export const EVAL_HISTOGRAM_METRICS = ['abs_rel', 'd1'] as const;
/** Per-frame curves of the video run, in this order, for those columns frames.csv has. */
export const VIDEO_CURVE_METRICS = ['abs_rel', 'opw', 'rtc_105', 'flicker', 'smoothness'] as const;

const BAR_COLOUR = '#4c78a8';
const MEAN_COLOUR = '#e45756';

function betterNote(metric: string): string {
  const d = metricDirection(metric);
  return d === 'lower' || d === 'higher' ? ` (${d} is better)` : '';
}

function column(run: RunFolder, metric: string): number[] {
  const file = rowsFile(run);
  return run.rows.rows.map((r) => optionalNumber(file, r, metric)).filter((v): v is number => v !== undefined && Number.isFinite(v));
}

/** A histogram of one per-image metric with its mean marked; exported for tests. */
export function histogramSpec(metric: string, values: number[]): TopLevelSpec {
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  return {
    title: { text: `${metric} per image${betterNote(metric)}`, subtitle: `${values.length} images, mean ${mean.toPrecision(4)} (red line)` },
    data: { values: values.map((v) => ({ [metric]: v })) },
    layer: [
      {
        mark: { type: 'bar', color: BAR_COLOUR },
        encoding: {
          x: { field: metric, type: 'quantitative', bin: { maxbins: 30 }, title: metric },
          y: { aggregate: 'count', type: 'quantitative', title: 'images' },
        },
      },
      {
        data: { values: [{ mean }] },
        mark: { type: 'rule', color: MEAN_COLOUR, strokeWidth: 2 },
        encoding: { x: { field: 'mean', type: 'quantitative' } },
      },
    ],
  } as TopLevelSpec;
}

function curveSpec(metric: string, points: { model: string; frame: number; value: number }[], frames: number): TopLevelSpec {
  return {
    title: { text: `${metric} per frame${betterNote(metric)}` },
    data: { values: points },
    mark: { type: 'line', point: frames <= 40, strokeWidth: 1.5 },
    encoding: {
      x: { field: 'frame', type: 'quantitative', title: 'frame' },
      y: { field: 'value', type: 'quantitative', title: metric, scale: { zero: false } },
      color: { field: 'model', type: 'nominal', title: 'model', legend: { orient: 'bottom' } },
    },
  } as TopLevelSpec;
}

/** Histograms of per-image abs_rel and d1 from an eval run's per_image.csv (metrics without a finite value skipped). */
export async function evalPlots(run: RunFolder): Promise<Plot[]> {
  const plots: Plot[] = [];
  for (const metric of EVAL_HISTOGRAM_METRICS) {
    const values = column(run, metric);
    if (values.length === 0) continue;
    plots.push({ file: `${metric}_hist.png`, title: `${metric} per image`, png: await chartPng(histogramSpec(metric, values)) });
  }
  return plots;
}

/** One curve per model over the frames of a video run, for each of VIDEO_CURVE_METRICS that frames.csv holds. */
export async function videoPlots(run: RunFolder): Promise<Plot[]> {
  const file = rowsFile(run);
  const plots: Plot[] = [];
  for (const metric of VIDEO_CURVE_METRICS) {
    if (!run.rows.columns.includes(metric)) continue;
    const points = run.rows.rows.flatMap((r, i) => {
      const value = optionalNumber(file, r, metric);
      if (value === undefined || !Number.isFinite(value)) return [];
      const frame = optionalNumber(file, r, 'frame') ?? i;
      return [{ model: r.model ?? 'depth', frame, value }];
    });
    if (points.length === 0) continue;
    const frames = new Set(points.map((p) => p.frame)).size;
    plots.push({ file: `frames_${metric}.png`, title: `${metric} per frame`, png: await chartPng(curveSpec(metric, points, frames)) });
  }
  return plots;
}

/** Plots of a run of either kind, rendered in memory from its CSVs. */
export function runPlots(run: RunFolder): Promise<Plot[]> {
  return run.kind === 'eval' ? evalPlots(run) : videoPlots(run);
}

async function writePlots(runDir: string, kind: RunKind): Promise<string[]> {
  const run = await readRunFolder(runDir);
  requireKind(run, kind);
  const plots = await runPlots(run);
  return replaceImages(runDir, 'plots', plots);
}

/** Writes `<run>/plots/abs_rel_hist.png` and `d1_hist.png` from the run's saved per_image.csv; returns the paths. */
export function writeEvalPlots(runDir: string): Promise<string[]> {
  return writePlots(runDir, 'eval');
}

/** Writes `<run>/plots/frames_<metric>.png` from the run's saved frames.csv; returns the paths. */
export function writeVideoPlots(runDir: string): Promise<string[]> {
  return writePlots(runDir, 'video');
}

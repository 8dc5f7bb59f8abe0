import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { loadSharp } from '../io/sharp.js';

/** Plots are drawn at twice their CSS size so that they stay sharp on high-density screens and in print. */
export const PLOT_PIXEL_RATIO = 2;

/** The size every plot spec is laid out to (`autosize: fit`), axes and legend included, in CSS pixels. */
export const PLOT_SIZE = { width: 560, height: 260 } as const;

/**
 * Renders a Vega-Lite spec to SVG headless: no canvas, no browser, nothing loaded (data must be inline values).
 * The spec is fitted to PLOT_SIZE so that every plot of a report lines up.
 */
export async function chartSvg(spec: TopLevelSpec): Promise<string> {
  const sized = {
    ...spec,
    ...PLOT_SIZE,
    autosize: { type: 'fit', contains: 'padding' },
    background: 'white',
    config: { font: 'DejaVu Sans, Liberation Sans, sans-serif', ...spec.config },
  } as TopLevelSpec;
  const view = new vega.View(vega.parse(compile(sized).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Rasterises a chart to PNG at PLOT_PIXEL_RATIO (sharp's SVG density is in dpi, 72 = one pixel a CSS pixel). */
export async function chartPng(spec: TopLevelSpec): Promise<Buffer> {
  const svg = await chartSvg(spec);
  const sharp = await loadSharp();
  return sharp(Buffer.from(svg), { density: 72 * PLOT_PIXEL_RATIO }).png().toBuffer();
}

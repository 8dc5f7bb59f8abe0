import { loadSharp } from '../io/sharp.js';
import type { RgbImage } from '../metrics/types.js';

export type Rgb = readonly [number, number, number];

/** A text label drawn over a raster: top-left anchored unless `anchor` says otherwise; y is the text's baseline. */
export interface Label {
  text: string;
  x: number;
  y: number;
  size?: number;
  bold?: boolean;
  anchor?: 'start' | 'middle' | 'end';
}

export function filledImage(width: number, height: number, colour: Rgb): RgbImage {
  const data = new Uint8Array(width * height * 3);
  const [r, g, b] = colour;
  for (let i = 0; i < data.length; i += 3) {
    data[i] = r;
    data[i + 1] = g;
    data[i + 2] = b;
  }
  return { data, width, height };
}

/** Copies `src` into `dst` with its top-left corner at (x, y); the caller keeps it inside. */
export function blit(dst: RgbImage, src: RgbImage, x: number, y: number): void {
  const row = src.width * 3;
  for (let r = 0; r < src.height; r++) {
    dst.data.set(src.data.subarray(r * row, (r + 1) * row), ((y + r) * dst.width + x) * 3);
  }
}

/** Nearest-neighbour resampling: keeps the hard edges of sparse ground truth and error maps honest. */
export function resampleNearest(img: RgbImage, width: number, height: number): RgbImage {
  if (img.width === width && img.height === height) return img;
  const out = new Uint8Array(width * height * 3);
  const src = img.data;
  const columns = Int32Array.from({ length: width }, (_, x) => 3 * Math.min(img.width - 1, Math.floor(((x + 0.5) * img.width) / width)));
  let o = 0;
  for (let y = 0; y < height; y++) {
    const row = 3 * img.width * Math.min(img.height - 1, Math.floor(((y + 0.5) * img.height) / height));
    for (let x = 0; x < width; x++, o += 3) {
      const s = row + columns[x];
      out[o] = src[s];
      out[o + 1] = src[s + 1];
      out[o + 2] = src[s + 2];
    }
  }
  return { data: out, width, height };
}

/** A horizontal bar running through a 256-entry colour table from its first entry (left) to its last (right). */
export function colourBar(width: number, height: number, lut: Uint8Array): RgbImage {
  const img = filledImage(width, height, [0, 0, 0]);
  for (let x = 0; x < width; x++) {
    const k = 3 * Math.round((255 * x) / Math.max(1, width - 1));
    for (let y = 0; y < height; y++) img.data.set(lut.subarray(k, k + 3), (y * width + x) * 3);
  }
  return img;
}

const escapeXml = (s: string) => s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Draws labels over an image (SVG text rasterised by sharp, with the fonts fontconfig finds) and returns RGB. */
export async function drawLabels(img: RgbImage, labels: Label[]): Promise<RgbImage> {
  if (labels.length === 0) return img;
  const texts = labels.map((l) => `<text x="${l.x}" y="${l.y}" font-size="${l.size ?? 13}" text-anchor="${l.anchor ?? 'start'}"${l.bold ? ' font-weight="bold"' : ''}>${escapeXml(l.text)}</text>`);
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${img.width}" height="${img.height}"><g font-family="DejaVu Sans, Liberation Sans, sans-serif" fill="#222">${texts.join('')}</g></svg>`;
  const sharp = await loadSharp();
  const { data, info } = await sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } })
    .composite([{ input: Buffer.from(svg), top: 0, left: 0 }])
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height };
}

/** Encodes RGB as PNG. */
export async function encodePng(img: RgbImage): Promise<Buffer> {
  const sharp = await loadSharp();
  return sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } }).png().toBuffer();
}

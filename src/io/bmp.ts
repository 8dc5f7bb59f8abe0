import { FormatError } from '../errors.js';
import type { RgbImage } from '../metrics/types.js';

/**
 * Uncompressed Windows bitmaps (BI_RGB, or BI_BITFIELDS with the standard 8-bit masks): 8-bit palette, 24-bit BGR
 * and 32-bit BGRX, bottom-up or top-down rows padded to 4 bytes. sharp (libvips) has no BMP loader; frame
 * folders exported by older tools are often BMP.
 */
export function decodeBmp(buf: Uint8Array, file: string): RgbImage {
  const v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (buf.length < 54 || buf[0] !== 0x42 || buf[1] !== 0x4d) throw new FormatError(file, 'not a BMP file (bad signature)');
  const offset = v.getUint32(10, true);
  const header = v.getUint32(14, true);
  const width = v.getInt32(18, true);
  const rawHeight = v.getInt32(22, true);
  const bpp = v.getUint16(28, true);
  const compression = v.getUint32(30, true);
  const height = Math.abs(rawHeight);
  if (!(width > 0 && height > 0 && width * height <= 0x3fff * 0x3fff)) throw new FormatError(file, `bad BMP size ${width}x${rawHeight}`);
  if (!(compression === 0 || (compression === 3 && bpp === 32)) || ![8, 24, 32].includes(bpp)) {
    throw new FormatError(file, `BMP with ${bpp} bits a pixel and compression ${compression} is not supported (8, 24 or 32-bit uncompressed)`);
  }
  const stride = Math.ceil((width * bpp) / 32) * 4;
  if (offset + stride * height > buf.length) throw new FormatError(file, `truncated BMP: ${buf.length} bytes, ${offset + stride * height} needed`);
  const colours = bpp === 8 ? v.getUint32(46, true) || 256 : 0;
  const palette = 14 + header;
  const out = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    const row = offset + (rawHeight > 0 ? height - 1 - y : y) * stride;
    for (let x = 0; x < width; x++) {
      let p: number;
      if (bpp === 8) {
        const idx = buf[row + x];
        if (idx >= colours) throw new FormatError(file, `palette index ${idx} beyond its ${colours} colours`);
        p = palette + 4 * idx;
      } else p = row + x * (bpp / 8);
      const o = 3 * (y * width + x);
      out[o] = buf[p + 2];
      out[o + 1] = buf[p + 1];
      out[o + 2] = buf[p];
    }
  }
  return { data: out, width, height };
}

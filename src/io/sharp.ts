import type Sharp from 'sharp';

let sharpModule: Promise<typeof Sharp> | undefined;

/**
 * sharp (libvips), loaded on first use: loading its addon costs ~0.15 s of CPU, which a command that reads no image
 * through it (eval on .npy and 16-bit PNG files) should not pay at every start.
 */
export async function loadSharp(): Promise<typeof Sharp> {
  sharpModule ??= import('sharp').then((m) => m.default);
  return sharpModule;
}

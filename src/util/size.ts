export interface Size {
  width: number;
  height: number;
}

/** `size` scaled down (never up) so that its longest side is at most `limit`, with sides of at least 2 px. */
export function fitLongestSide(size: Size, limit: number): Size {
  const s = Math.min(1, limit / Math.max(size.width, size.height));
  return { width: Math.max(2, Math.round(size.width * s)), height: Math.max(2, Math.round(size.height * s)) };
}

/*
 * Which stream frame a decoded picture is. A frame's identity is its presentation timestamp: frame k of a stream
 * is the picture whose pts is the k-th smallest among the pts of the stream's packets (one packet, one frame). The
 * packets are read by the demuxer alone (no decoding), so the numbering does not depend on what the decoder
 * manages to decode: a picture that fails leaves a hole at its own index and never shifts the ones after it, and
 * a seek lands on the same numbers as a decode from the start. Pure: numbers in, numbers out.
 */

/** `pts`: numbered by presentation timestamp; `decode-order`: the packets carry none, frames are counted as output. */
export type IdentityMode = 'pts' | 'decode-order';

export interface Timeline {
  mode: IdentityMode;
  /** Presentation times (seconds, stream clock) of the stream's frames, ascending and distinct: frame k is at times[k]. Empty in decode-order mode. */
  times: Float64Array;
  /** Frames in the stream: times.length in pts mode; in decode-order mode the packet count, an estimate. */
  frames: number;
  /** Packets without a timestamp (any: decode-order mode). */
  untimed: number;
  /** Packets that repeat another packet's timestamp (counted once). */
  repeated: number;
}

/**
 * The numbering of a stream from its packets' presentation times (NaN = no timestamp). Packets the demuxer marks
 * as discarded (the part of an edit list before the presented start) must already be left out by the backend.
 * One packet without a pts is enough for decode order: AVI stores none for some packets (B-frames in MPEG-4 part 2),
 * and the decoder then guesses its pictures' pts from the dts plus the reordering delay, which would match the
 * wrong packets (measured: every picture one frame late).
 */
export function buildTimeline(packetTimes: Float64Array): Timeline {
  const timed = Float64Array.from(packetTimes.filter((t) => Number.isFinite(t))).sort();
  const untimed = packetTimes.length - timed.length;
  if (untimed > 0) return { mode: 'decode-order', times: new Float64Array(0), frames: packetTimes.length, untimed, repeated: 0 };
  const times: number[] = [];
  for (const t of timed) if (times.length === 0 || t > times[times.length - 1]) times.push(t);
  return { mode: 'pts', times: Float64Array.from(times), frames: times.length, untimed, repeated: timed.length - times.length };
}

/**
 * The index of the frame presented at `pts`, or -1 when no packet has that timestamp. A match allows for float
 * rounding between two conversions of the same integer timestamp (a microsecond, never a quarter frame).
 */
export function indexAt(times: Float64Array, pts: number): number {
  let lo = 0;
  let hi = times.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (times[mid] < pts) lo = mid + 1;
    else hi = mid;
  }
  let k = lo;
  if (k > 0 && Math.abs(times[k - 1] - pts) < Math.abs(times[k] - pts)) k--;
  if (k < 0 || k >= times.length) return -1;
  const spacing = Math.min(k > 0 ? times[k] - times[k - 1] : Infinity, k + 1 < times.length ? times[k + 1] - times[k] : Infinity);
  const tol = Math.min(1e-6 + 1e-9 * Math.abs(pts), spacing / 4);
  return Math.abs(times[k] - pts) <= tol ? k : -1;
}

export interface Selection {
  /** Seconds from the stream's first frame. */
  start?: number;
  duration?: number;
  stride?: number;
  maxFrames?: number;
}

/**
 * The stream indices a selection asks for: `first`, first + stride, ... up to `last` (inclusive). `first` is the
 * first frame at or after `start`; stride counts from it in stream indices, so a frame lost to decoding is not
 * replaced by its neighbour; maxFrames bounds the number of selected indices, decoded or not.
 */
export interface Wanted {
  first: number;
  last: number;
  stride: number;
  /** Selected indices: (last - first) / stride + 1, or 0. */
  count: number;
}

const EPS = 1e-9;

/** pts mode: the selected indices, from the timeline. An empty selection has count 0. */
export function selectFrames(tl: Timeline, s: Selection): Wanted {
  const stride = s.stride ?? 1;
  const t0 = tl.times[0];
  const start = s.start ?? 0;
  let first = 0;
  while (first < tl.frames && tl.times[first] - t0 < start - EPS) first++;
  let last = tl.frames - 1;
  if (s.duration !== undefined) while (last >= first && tl.times[last] - t0 >= start + s.duration - EPS) last--;
  if (last < first) return { first, last: first - 1, stride, count: 0 };
  last = first + Math.floor((last - first) / stride) * stride;
  if (s.maxFrames !== undefined) last = Math.min(last, first + (s.maxFrames - 1) * stride);
  return { first, last, stride, count: (last - first) / stride + 1 };
}

export const isWanted = (w: Wanted, k: number): boolean => k >= w.first && k <= w.last && (k - w.first) % w.stride === 0;

/** Selected indices in [from, to] (inclusive). */
export function wantedBetween(w: Wanted, from: number, to: number): number[] {
  const out: number[] = [];
  const lo = Math.max(from, w.first);
  let k = w.first + Math.ceil((lo - w.first) / w.stride) * w.stride;
  for (; k <= Math.min(to, w.last); k += w.stride) out.push(k);
  return out;
}

/** Indices as short ranges for notes: [3, 4, 5, 9] -> "3-5, 9"; long lists end with "... (n in all)". */
export function describeIndices(indices: readonly number[], limit = 12): string {
  const parts: string[] = [];
  for (let i = 0; i < indices.length; ) {
    let j = i;
    while (j + 1 < indices.length && indices[j + 1] === indices[j] + 1) j++;
    parts.push(j === i ? String(indices[i]) : `${indices[i]}-${indices[j]}`);
    i = j + 1;
  }
  return parts.length <= limit ? parts.join(', ') : `${parts.slice(0, limit).join(', ')}, ... (${indices.length} in all)`;
}

import { Flags } from '@oclif/core';
import { parseShard } from '../eval/shard.js';

/**
 * Number flags checked at parse time, one kind of check each, so that `--depth-scale 0` or `--gt-scale -1` is a
 * one-line error naming the flag instead of a run of NaN or negative depths. Integer flags use oclif's
 * `Flags.integer({ min })`, which words its errors the same way.
 */
function numberFlag(requirement: string | undefined, ok: (n: number) => boolean) {
  return Flags.custom<number>({
    parse: async (input, _ctx, opts) => {
      const n = Number(input);
      if (input.trim() === '' || !Number.isFinite(n)) throw new Error(`--${opts.name} must be a number (got "${input}")`);
      if (!ok(n)) throw new Error(`--${opts.name} must be ${requirement} (got ${input})`);
      return n;
    },
  });
}

/** Any finite number. */
export const floatFlag = numberFlag(undefined, () => true);
/** Scales, depth caps, rates, durations: > 0. */
export const positiveFlag = numberFlag('greater than 0', (n) => n > 0);
/** Offsets, minimum depths, decay: >= 0. */
export const nonNegativeFlag = numberFlag('at least 0', (n) => n >= 0);
/** Probabilities and coverages: strictly between 0 and 1. */
export const fractionFlag = numberFlag('between 0 and 1 (exclusive)', (n) => n > 0 && n < 1);
/** Amplitudes of a factor 1 +- x: 0 <= x < 1. */
export const amplitudeFlag = numberFlag('at least 0 and below 1', (n) => n >= 0 && n < 1);

/** `--shard i/n` with 1 <= i <= n (or `auto`), checked at parse time; the text is kept (eval resolves it where used). */
export const shardFlag = Flags.custom<string>({
  parse: async (input) => {
    if (input.trim() !== 'auto') parseShard(input);
    return input.trim();
  },
});

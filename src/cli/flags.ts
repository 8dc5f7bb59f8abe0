import { Flags } from '@oclif/core';

/** A finite number flag; oclif has integers only. */
export const floatFlag = Flags.custom<number>({
  parse: async (input, _ctx, opts) => {
    const n = Number(input);
    if (input.trim() === '' || !Number.isFinite(n)) throw new Error(`--${opts.name} must be a number (got "${input}")`);
    return n;
  },
});

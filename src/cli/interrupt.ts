import { DepthkitError } from '../errors.js';

/** Shell convention: 128 + the signal's number. */
const EXIT_CODES = { SIGINT: 130, SIGTERM: 143 } as const;
export type StopSignal = keyof typeof EXIT_CODES;

export interface InterruptTrap {
  /** Aborted by the first SIGINT or SIGTERM: long work finishes or discards the item in flight, then stops. */
  signal: AbortSignal;
  /** The signal that stopped the run, if any. */
  received(): StopSignal | undefined;
  /** Throws InterruptedError when a signal arrived (call once the valid outputs are written). */
  throwIfStopped(message: string): void;
  dispose(): void;
}

/** A run stopped by SIGINT/SIGTERM after writing valid outputs; exits 130 or 143. */
export class InterruptedError extends DepthkitError {
  constructor(signal: StopSignal, message: string) {
    super(`${signal}: ${message}`, { exitCode: EXIT_CODES[signal] });
    this.name = 'InterruptedError';
  }
}

/**
 * Turns SIGINT/SIGTERM into an AbortSignal for the duration of a long command. A second signal exits at once:
 * every output is written atomically (temp file + rename), so an immediate exit still leaves no half-written file,
 * only possibly a stray hidden temp file that the next run ignores.
 */
export function trapInterrupts(onFirst?: (signal: StopSignal) => void): InterruptTrap {
  const controller = new AbortController();
  let got: StopSignal | undefined;
  const handlers = (Object.keys(EXIT_CODES) as StopSignal[]).map((name) => {
    const handler = () => {
      if (got !== undefined) {
        process.stderr.write(`\ndepthkit: ${name} again: exiting now (files already written are complete; --resume continues)\n`);
        process.exit(EXIT_CODES[name]);
      }
      got = name;
      onFirst?.(name);
      controller.abort(new InterruptedError(name, 'interrupted'));
    };
    process.on(name, handler);
    return [name, handler] as const;
  });
  return {
    signal: controller.signal,
    received: () => got,
    throwIfStopped(message) {
      if (got !== undefined) throw new InterruptedError(got, message);
    },
    dispose() {
      for (const [name, handler] of handlers) process.removeListener(name, handler);
    },
  };
}

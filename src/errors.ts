/**
 * Errors that reach the user as one line: "<file>: <problem>". Every reader and writer throws these so that a
 * command can print them without a stack trace and exit non-zero.
 */
export class DepthkitError extends Error {
  /** Exit code the CLI uses for this error (2 = unusable input, by convention of `compare`). */
  readonly exitCode: number;
  readonly file?: string;

  constructor(message: string, opts: { file?: string; exitCode?: number; cause?: unknown } = {}) {
    super(opts.file ? `${opts.file}: ${message}` : message, { cause: opts.cause });
    this.name = 'DepthkitError';
    this.file = opts.file;
    this.exitCode = opts.exitCode ?? 2;
  }
}

/** The input file is malformed or has the wrong dtype/shape/size. */
export class FormatError extends DepthkitError {
  constructor(file: string, message: string, cause?: unknown) {
    super(message, { file, cause });
    this.name = 'FormatError';
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

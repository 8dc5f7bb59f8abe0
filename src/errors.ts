/**
 * Errors that reach the user as one line: "<file>: <problem>". Every reader and writer throws these so that a
 * command can print them without a stack trace and exit non-zero.
 */
export class DepthkitError extends Error {
  /** Exit code the CLI uses for this error (2 = unusable input, by convention of `compare`). */
  readonly exitCode: number;
  readonly file?: string;

  constructor(message: string, opts: { file?: string; exitCode?: number; cause?: unknown } = {}) {
    super(opts.file ? `${oneLine(opts.file)}: ${oneLine(message)}` : oneLine(message), { cause: opts.cause });
    this.name = 'DepthkitError';
    this.file = opts.file;
    this.exitCode = opts.exitCode ?? 2;
  }
}

/**
 * Messages often quote a file's own bytes (a dtype, a header token, a CSV cell); a line break or terminal control
 * character there would split or garble the one-line error, so those are shown escaped.
 */
function oneLine(message: string): string {
  return Array.from(message, (c) => {
    const n = c.charCodeAt(0);
    if ((n >= 0x20 && n !== 0x7f && n !== 0x2028 && n !== 0x2029) || c === '\t') return c;
    return c === '\n' ? '\\n' : c === '\r' ? '\\r' : `\\u${n.toString(16).padStart(4, '0')}`;
  }).join('');
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

import { Command, Flags, Errors } from '@oclif/core';
import { errorExitCode, errorLine } from './error-line.js';

/**
 * Shared behaviour of every depthkit command: `--json` output and one-line errors with the right exit code.
 * Commands stay thin: parse flags, call library modules, print.
 */
export abstract class BaseCommand extends Command {
  static override enableJsonFlag = true;

  static override baseFlags = {
    verbose: Flags.boolean({ description: 'print details (timings, engine choices) to stderr', default: false }),
  };

  /**
   * Every error, depthkit's or the flag parser's, is one line on stderr, or with --json one JSON object
   * `{"error": {"message", "exitCode"}}` on stdout; never a stack trace, never the whole help.
   */
  protected override async catch(err: Error & { exitCode?: number }): Promise<unknown> {
    if (err instanceof Errors.ExitError) throw err;
    const exitCode = errorExitCode(err);
    const message = errorLine(err, this.id?.replace(/:/g, ' '));
    if (this.jsonEnabled()) process.stdout.write(`${JSON.stringify({ error: { message, exitCode } })}\n`);
    else process.stderr.write(`depthkit: ${message}\n`);
    process.exitCode = exitCode;
    // Throwing ExitError stops oclif from printing the error again while keeping the exit code.
    throw new Errors.ExitError(exitCode);
  }

  /** Progress and notes go to stderr so that stdout stays machine-readable with --json. */
  protected note(message: string): void {
    if (!this.jsonEnabled()) process.stderr.write(`${message}\n`);
  }
}

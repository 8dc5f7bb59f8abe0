import { Command, Flags, Errors } from '@oclif/core';
import { DepthkitError } from '../errors.js';

/**
 * Shared behaviour of every depthkit command: `--json` output and one-line errors with the right exit code.
 * Commands stay thin: parse flags, call library modules, print.
 */
export abstract class BaseCommand extends Command {
  static override enableJsonFlag = true;

  static override baseFlags = {
    verbose: Flags.boolean({ description: 'print details (timings, engine choices) to stderr', default: false }),
  };

  protected override async catch(err: Error & { exitCode?: number }): Promise<unknown> {
    if (err instanceof DepthkitError) {
      process.stderr.write(`depthkit: ${err.message}\n`);
      process.exitCode = err.exitCode;
      // Throwing ExitError stops oclif from printing a stack trace while keeping the exit code.
      throw new Errors.ExitError(err.exitCode);
    }
    return super.catch(err);
  }

  /** Progress and notes go to stderr so that stdout stays machine-readable with --json. */
  protected note(message: string): void {
    if (!this.jsonEnabled()) process.stderr.write(`${message}\n`);
  }
}

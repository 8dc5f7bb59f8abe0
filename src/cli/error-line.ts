import { Errors } from '@oclif/core';
import { DepthkitError } from '../errors.js';

/**
 * oclif's parse errors: a mistyped or missing flag, a missing argument, a bad option value (CLIParseError), or an
 * error a flag's own parse function threw, which oclif rewrites to "Parsing --flag \n\t<message>\nSee more help".
 */
const isParseError = (err: Error): boolean => (err instanceof Errors.CLIError && 'parse' in err) || /^Parsing --\S+ *\n/.test(err.message);

/** The exit code of an error: depthkit's own, 2 for the parser's (bad usage), else the error's or 1. */
export function errorExitCode(err: Error & { exitCode?: number; oclif?: { exit?: number } }): number {
  if (err instanceof DepthkitError) return err.exitCode;
  if (isParseError(err)) return 2;
  return err.oclif?.exit ?? err.exitCode ?? 1;
}

/**
 * One line for any error. oclif's parser writes several (the problem, a list of the missing arguments, a note on
 * multiple-value flags, "See more help") and then the whole help; a user wants the problem and where to look.
 */
export function errorLine(err: Error, command?: string): string {
  const lines = err.message.split('\n').map((l) => l.trim()).filter(Boolean);
  if (!isParseError(err)) return lines.join(' ');
  const kept = lines.filter((l) => !/^(See more help|Note:|Alternatively|provide all|beginning of)/.test(l));
  let [head, ...rest] = kept;
  const parsing = /^Parsing (--\S+)$/.exec(head);
  if (parsing && rest.length) [head, ...rest] = rest[0].startsWith(parsing[1]) ? rest : [`${parsing[1]}: ${rest[0]}`, ...rest.slice(1)];
  // "Missing 2 required args:" is followed by "name   description" lines: the names are enough.
  const detail = /required args?:?$/i.test(head) ? rest.map((l) => l.split(/\s+/)[0]).join(', ') : rest.join(' ');
  const text = `${head.replace(/:$/, '')}${detail ? `: ${detail}` : ''}`;
  return command ? `${text} (see depthkit ${command} --help)` : text;
}

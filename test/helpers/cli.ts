import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `depthkit <args>` from the TypeScript sources (bin/dev.js), as a user would, with exit code and output. */
export function depthkit(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): CliResult {
  const env = { ...process.env, ...opts.env };
  delete env.GITHUB_STEP_SUMMARY;
  const r = spawnSync(process.execPath, ['--import', import.meta.resolve('tsx'), `${ROOT}bin/dev.js`, ...args], {
    cwd: opts.cwd ?? ROOT,
    env,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    timeout: opts.timeoutMs,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

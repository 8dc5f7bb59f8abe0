import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/*
 * The one way tests run the CLI: `depthkit` waits for it, `startCli` starts it and hands back the process (to
 * signal or kill it at a chosen moment). Both run bin/dev.js from the TypeScript sources, as a user would.
 */

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DEV = `${ROOT}bin/dev.js`;
const TSX = import.meta.resolve('tsx');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

interface CliOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

function cliEnv(env: NodeJS.ProcessEnv | undefined): NodeJS.ProcessEnv {
  const out = { ...process.env, ...env };
  delete out.GITHUB_STEP_SUMMARY;
  return out;
}

/** Runs `depthkit <args>` to its end, with exit code and output. */
export function depthkit(args: string[], opts: CliOptions & { timeoutMs?: number } = {}): CliResult {
  const r = spawnSync(process.execPath, ['--import', TSX, DEV, ...args], {
    cwd: opts.cwd ?? ROOT,
    env: cliEnv(opts.env),
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    timeout: opts.timeoutMs,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

export interface RunningCli {
  child: ChildProcess;
  /** Resolves when the process exits; `signal` is set when a signal ended it. */
  done: Promise<CliResult & { signal: NodeJS.Signals | null }>;
  /** Sends a signal to depthkit's process group (ffmpeg runs in a group of its own and ends on its broken pipe). */
  kill(signal: NodeJS.Signals): void;
}

export interface StartOptions extends CliOptions {
  /** Modules loaded before depthkit (`--import`), e.g. a fault-injection preload. */
  preload?: string[];
  /** Run as this user and group id (a real EACCES). */
  uid?: number;
  /** Its own process group (default), as a terminal runs a job; false keeps it in the test's group. */
  detached?: boolean;
  /** Called with all stderr so far whenever more arrives (e.g. to signal it once progress shows). */
  onStderr?: (stderr: string, run: RunningCli) => void;
}

/** Starts `depthkit <args>`; output is collected, nothing is inherited. */
export function startCli(args: string[], opts: StartOptions = {}): RunningCli {
  const preload = (opts.preload ?? []).flatMap((m) => ['--import', m]);
  const ids = opts.uid === undefined ? {} : { uid: opts.uid, gid: opts.uid };
  const detached = opts.detached ?? true;
  const child = spawn(process.execPath, ['--import', TSX, ...preload, DEV, ...args], {
    cwd: opts.cwd ?? ROOT, env: cliEnv(opts.env), detached, stdio: ['ignore', 'pipe', 'pipe'], ...ids,
  });
  let stdout = '';
  let stderr = '';
  const run: RunningCli = {
    child,
    done: new Promise((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
    }),
    kill(signal) {
      try {
        if (detached) process.kill(-child.pid!, signal);
        else child.kill(signal);
      } catch {
        // already gone
      }
    },
  };
  child.stdout!.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  child.stderr!.setEncoding('utf8').on('data', (s: string) => {
    stderr += s;
    opts.onStderr?.(stderr, run);
  });
  return run;
}

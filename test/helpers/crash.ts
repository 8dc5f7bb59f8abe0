import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { ROOT, type CliResult } from './cli.js';

/** Hidden temp files of writeFileAtomic (`.<name>.tmp-<pid>-<hex>`): the only partial files a kill may leave. */
export const ATOMIC_TEMP = /^\..+\.tmp-\d+-[0-9a-f]{8}$/;

export interface RunningCli {
  child: ChildProcess;
  /** Resolves when the process exits; `signal` is set when a signal ended it. */
  done: Promise<CliResult & { signal: NodeJS.Signals | null }>;
  /** Sends a signal to depthkit's process group (ffmpeg runs in a group of its own and ends on its broken pipe). */
  kill(signal: NodeJS.Signals): void;
}

/**
 * Starts `depthkit <args>` from the sources in its own process group, as a terminal would run a job, so that a test
 * can interrupt or kill it at a chosen moment. Output is collected; nothing is inherited.
 */
export function startCli(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): RunningCli {
  const env = { ...process.env, ...opts.env };
  delete env.GITHUB_STEP_SUMMARY;
  const child = spawn(process.execPath, ['--import', 'tsx', `${ROOT}bin/dev.js`, ...args], {
    cwd: opts.cwd ?? ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  const done = new Promise<CliResult & { signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return {
    child,
    done,
    kill(signal) {
      try {
        process.kill(-child.pid!, signal);
      } catch {
        // already gone
      }
    },
  };
}

/**
 * Every file under `dir` (relative paths, sorted), with writeFileAtomic's leftover temp files listed apart. Safe to
 * call on a folder a running command is writing (entries that vanish while listed are left out).
 */
export function listOutputs(dir: string): { files: string[]; temps: string[] } {
  const files: string[] = [];
  const temps: string[] = [];
  const walk = (sub: string) => {
    let names: string[];
    try {
      names = readdirSync(path.join(dir, sub));
    } catch {
      return;
    }
    for (const name of names.sort()) {
      const rel = path.join(sub, name);
      // Polled while the command runs, a temp file can be renamed away between readdir and stat: it is not there.
      const st = statSync(path.join(dir, rel), { throwIfNoEntry: false });
      if (!st) continue;
      if (st.isDirectory()) walk(rel);
      else (ATOMIC_TEMP.test(name) ? temps : files).push(rel);
    }
  };
  walk('');
  return { files, temps };
}

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchRow } from './types.js';
import { writeKittiPairs } from './fixtures.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const N = 200;

interface Timed {
  seconds: number;
  /** User + system CPU seconds of the process and its threads (GNU time's last stderr line). */
  cpu: number;
  stdout: string;
}

function timeIt(cmd: string, args: string[]): Timed {
  const t0 = process.hrtime.bigint();
  const r = spawnSync('/usr/bin/time', ['-f', 'cpu %U %S', cmd, ...args], { encoding: 'utf8', cwd: ROOT, maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
  const m = /cpu ([\d.]+) ([\d.]+)\s*$/.exec(r.stderr);
  if (!m) throw new Error(`no CPU time from /usr/bin/time: ${r.stderr.slice(-200)}`);
  return { seconds: Number(process.hrtime.bigint() - t0) / 1e9, cpu: Number(m[1]) + Number(m[2]), stdout: r.stdout };
}

const ROUNDS = 3;

/**
 * `depthkit eval` on 200 KITTI-sized pairs (whole process) vs. numpy + PIL doing the same work, one image at a time on
 * one core (the anchor, test/bench/eval_numpy.py). Like with like: the anchor reads and computes the metrics, so the
 * target row runs `--no-plots` (read, metrics, per_image.csv, summary.csv, run.json); the default run also draws
 * plots/ and strips/. Each command runs ROUNDS times, interleaved, and its fastest run counts (the machine is shared);
 * the CPU rows come from those same runs (GNU time, every thread).
 */
export async function benchEval(): Promise<BenchRow[]> {
  if (!existsSync(path.join(ROOT, 'dist/commands/eval.js'))) throw new Error('run `npm run build` first');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'depthkit-bench-eval-'));
  try {
    const { pred, gt } = await writeKittiPairs(dir, N);
    const depthkit = (extra: string[]) => () =>
      timeIt(process.execPath, [path.join(ROOT, 'bin/run.js'), 'eval', '--pred', pred, '--gt', gt, '--dataset', 'kitti', '--out', path.join(dir, 'out'), '--json', ...extra]);
    const runs = {
      bare: depthkit(['--no-plots']),
      plots: depthkit([]),
      one: depthkit(['--no-plots', '--concurrency', '1']),
      numpy: () => timeIt('/usr/bin/python3', [path.join(ROOT, 'test/bench/eval_numpy.py'), pred, gt]),
      start: () => timeIt(process.execPath, [path.join(ROOT, 'bin/run.js'), '--version']),
    };
    const best: Record<keyof typeof runs, Timed> = {} as never;
    for (let round = 0; round < ROUNDS; round++) {
      for (const [name, run] of Object.entries(runs) as [keyof typeof runs, () => Timed][]) {
        const r = run();
        if (!best[name] || r.seconds < best[name].seconds) best[name] = r;
      }
    }
    const ref = JSON.parse(best.numpy.stdout) as { abs_rel: number };
    for (const k of ['bare', 'plots', 'one'] as const) {
      const got = JSON.parse(best[k].stdout) as { summary: { abs_rel: number } };
      if (Math.abs(got.summary.abs_rel - ref.abs_rel) > 1e-6 * ref.abs_rel) throw new Error(`depthkit (${k}) and numpy disagree on abs_rel`);
    }
    const rate = (k: keyof typeof runs) => N / best[k].seconds;
    return [
      { name: `depthkit eval --no-plots, ${N} pairs 375x1242 (both cores)`, value: rate('bare'), unit: 'images/s' },
      { name: 'depthkit eval, default (also plots/ and strips/)', value: rate('plots'), unit: 'images/s' },
      { name: 'depthkit eval --no-plots --concurrency 1', value: rate('one'), unit: 'images/s' },
      { name: 'numpy + PIL, same files, read + metrics, one core', value: rate('numpy'), unit: 'images/s' },
      { name: 'depthkit process start (--version), in the runs above', value: best.start.seconds, unit: 's' },
      { name: 'ratio depthkit --no-plots / numpy', value: best.numpy.seconds / best.bare.seconds, unit: 'x', target: '>= 1.5' },
      { name: 'ratio depthkit default (with plots) / numpy', value: best.numpy.seconds / best.plots.seconds, unit: 'x' },
      { name: 'ratio both cores / one image at a time', value: best.one.seconds / best.bare.seconds, unit: 'x' },
      // Steadier than wall time on a shared machine: what each run spent, all threads together.
      { name: 'CPU ms an image, depthkit --no-plots (process start included)', value: (1000 * best.bare.cpu) / N, unit: 'ms' },
      { name: 'CPU ms an image, numpy + PIL', value: (1000 * best.numpy.cpu) / N, unit: 'ms' },
      { name: 'ratio CPU numpy / depthkit --no-plots', value: best.numpy.cpu / best.bare.cpu, unit: 'x' },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

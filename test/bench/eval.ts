import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchRow } from './types.js';
import { writeKittiPairs } from './fixtures.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const N = 200;

function timeIt(cmd: string, args: string[]): { seconds: number; stdout: string } {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { encoding: 'utf8', cwd: ROOT, maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
  return { seconds: Number(process.hrtime.bigint() - t0) / 1e9, stdout: r.stdout };
}

/** `depthkit eval` on 200 KITTI-sized pairs (read + metrics, whole process) vs. numpy + PIL doing the same work. */
export async function benchEval(): Promise<BenchRow[]> {
  if (!existsSync(path.join(ROOT, 'dist/commands/eval.js'))) throw new Error('run `npm run build` first');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'depthkit-bench-eval-'));
  try {
    const { pred, gt } = await writeKittiPairs(dir, N);
    const run = (extra: string[]) =>
      timeIt(process.execPath, [path.join(ROOT, 'bin/run.js'), 'eval', '--pred', pred, '--gt', gt, '--dataset', 'kitti', '--out', path.join(dir, 'out'), '--json', ...extra]);
    const ours = run([]);
    const one = run(['--concurrency', '1']);
    const py = timeIt('/usr/bin/python3', [path.join(ROOT, 'test/bench/eval_numpy.py'), pred, gt]);
    const ref = JSON.parse(py.stdout) as { abs_rel: number };
    const got = JSON.parse(ours.stdout) as { summary: { abs_rel: number } };
    if (Math.abs(got.summary.abs_rel - ref.abs_rel) > 1e-6 * ref.abs_rel) throw new Error('depthkit and numpy disagree on abs_rel');
    return [
      { name: `depthkit eval, ${N} pairs 375x1242 (default concurrency)`, value: N / ours.seconds, unit: 'images/s' },
      { name: 'depthkit eval, one image at a time (--concurrency 1)', value: N / one.seconds, unit: 'images/s' },
      { name: 'numpy + PIL, same files, same work', value: N / py.seconds, unit: 'images/s' },
      { name: 'ratio depthkit / numpy', value: py.seconds / ours.seconds, unit: 'x' },
      { name: 'ratio default / one at a time', value: one.seconds / ours.seconds, unit: 'x' },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

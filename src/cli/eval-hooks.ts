import { trapInterrupts, type InterruptTrap } from './interrupt.js';
import { createProgress, silentProgress, type Progress } from './progress.js';
import type { RunHooks } from '../eval/resumable.js';

export interface EvalHookOptions {
  json: boolean;
  verbose: boolean;
  plots: boolean;
  /** A --data-path run: strips are not drawn (they re-read the --pred/--gt folders that only a folder run names). */
  dataset: boolean;
  note: (line: string) => void;
}

/** What `eval` (folders and --dataset kitti|nyu) hands the run: progress, Ctrl-C, --verbose lines, plots and strips. */
export function imageEvalHooks(o: EvalHookOptions): { hooks: RunHooks; trap: InterruptTrap; stop: () => void } {
  let progress: Progress = silentProgress;
  // Ctrl-C: the images in flight finish and are saved, then the run stops (a second Ctrl-C exits at once).
  const trap = trapInterrupts((sig) => {
    progress.stop();
    progress = silentProgress;
    process.stderr.write(`depthkit: ${sig}: finishing the images in flight, then stopping (${sig} again exits at once)\n`);
  });
  const hooks: RunHooks = {
    signal: trap.signal,
    onStart: (n) => (progress = createProgress('eval', n, { enabled: !o.json, unit: 'images' })),
    onImage: () => progress.tick(),
    log: o.verbose && !o.json ? o.note : undefined,
    // Loaded only when drawn (the chart renderer is slow to load).
    extras: o.plots ? async (out) => {
      const [{ writeEvalPlots }, { writeEvalWorstStrips }] = await Promise.all([import('../report/plots.js'), import('../report/strips.js')]);
      return [...(o.dataset ? [] : await writeEvalWorstStrips(out)), ...(await writeEvalPlots(out))];
    } : undefined,
  };
  const stop = () => {
    progress.stop();
    trap.dispose();
  };
  return { hooks, trap, stop };
}

/** What `eval --dataset sintel,...` hands the run: Ctrl-C between sequences, progress over frames, notes. */
export function sequenceEvalHooks(o: { json: boolean; note: (line: string) => void }) {
  const trap = trapInterrupts(() => process.stderr.write('depthkit: finishing the sequence in flight, then stopping\n'));
  const hooks = {
    signal: trap.signal,
    progress: (n: number) => createProgress('eval', n, { enabled: !o.json, unit: 'frames' }),
    log: o.json ? undefined : o.note,
  };
  return { hooks, trap };
}

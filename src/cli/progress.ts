import cliProgress from 'cli-progress';

/** What library code receives to report progress; it never draws anything itself. */
export interface Progress {
  tick(n?: number, payload?: Record<string, string | number>): void;
  stop(): void;
}

export const silentProgress: Progress = { tick() {}, stop() {} };

/**
 * A cli-progress bar (items, rate, ETA) on stderr when it is a TTY and output is not JSON; silent in pipes and CI
 * logs, where a redrawn bar is noise.
 */
export function createProgress(label: string, total: number, opts: { enabled: boolean; unit?: string }): Progress {
  if (!opts.enabled || !process.stderr.isTTY) return silentProgress;
  const unit = opts.unit ?? 'items';
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: `${label} [{bar}] {value}/{total} ${unit} | {rate}/s | ETA {eta_formatted}`,
      hideCursor: true,
      etaBuffer: 20,
    },
    cliProgress.Presets.shades_classic,
  );
  const started = Date.now();
  let done = 0;
  bar.start(total, 0, { rate: '0.0' });
  return {
    tick(n = 1, payload = {}) {
      done += n;
      const rate = (done / Math.max((Date.now() - started) / 1000, 1e-3)).toFixed(1);
      bar.update(done, { rate, ...payload });
    },
    stop() {
      bar.stop();
    },
  };
}

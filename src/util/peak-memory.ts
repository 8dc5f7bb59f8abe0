import { readFileSync } from 'node:fs';

const MiB = 2 ** 20;

/**
 * Peak resident set size of this process so far, in bytes: the kernel's high-water mark, so no allocation burst
 * between two samples is missed. It covers every thread of the process (flow workers, model engines) but not child
 * processes such as ffmpeg, which decode and encode in their own address space. On Linux it is VmHWM, the mark of
 * this process's own address space: getrusage's ru_maxrss (process.resourceUsage) keeps, across fork and exec,
 * the size of the process that started depthkit, so a depthkit launched by a 600 MiB parent would say 600 MiB.
 */
export function peakRssBytes(): number {
  const kb = /^VmHWM:\s+(\d+) kB$/m.exec(procStatus())?.[1];
  return (kb === undefined ? process.resourceUsage().maxRSS : Number(kb)) * 1024;
}

function procStatus(): string {
  try {
    return readFileSync('/proc/self/status', 'utf8');
  } catch {
    return '';
  }
}

/** The line `depthkit video --verbose` ends with: `peak memory: <n> MiB RSS`. */
export function formatPeakMemory(bytes: number = peakRssBytes()): string {
  return `peak memory: ${Math.round(bytes / MiB)} MiB RSS`;
}

const PEAK_LINE = /^peak memory: (\d+) MiB RSS$/m;

/** The MiB figure of a `formatPeakMemory` line found in `text` (a command's stderr), if there is one. */
export function parsePeakMemory(text: string): number | undefined {
  const m = PEAK_LINE.exec(text);
  return m ? Number(m[1]) : undefined;
}

/** Highest values seen of process.memoryUsage() fields, in bytes. */
export interface MemoryPeaks {
  rss: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
  samples: number;
}

/**
 * Samples process.memoryUsage() every `intervalMs` until stop(): unlike the RSS high-water mark, the JS heap and
 * the typed-array (arrayBuffers) peaks tell whether a growth is objects kept per frame or frame buffers in flight.
 * The timer is unref'd, so it never keeps the process alive.
 */
export function sampleMemory(intervalMs = 50): { stop(): MemoryPeaks } {
  const peaks: MemoryPeaks = { rss: 0, heapUsed: 0, external: 0, arrayBuffers: 0, samples: 0 };
  const sample = () => {
    const m = process.memoryUsage();
    peaks.rss = Math.max(peaks.rss, m.rss);
    peaks.heapUsed = Math.max(peaks.heapUsed, m.heapUsed);
    peaks.external = Math.max(peaks.external, m.external);
    peaks.arrayBuffers = Math.max(peaks.arrayBuffers, m.arrayBuffers);
    peaks.samples++;
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      sample();
      return { ...peaks };
    },
  };
}

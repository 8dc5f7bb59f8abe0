import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { PassThrough, type Readable, type Writable } from 'node:stream';
import ffmpeg from 'fluent-ffmpeg';
import { locateFfmpeg, checkFfmpegVersion, type FfmpegInfo } from './ffmpeg-locate.js';
import { writeFaultIn } from '../io/atomic.js';

/*
 * The only module that touches fluent-ffmpeg (archived upstream in 2025). Everything else in src/video speaks the
 * small API below, so a direct child_process.spawn could replace this file without changes elsewhere.
 */

/** How an ffmpeg run ended. `message` is ffmpeg's last error-level stderr line (or the spawn error). */
export interface FfmpegExit {
  status: 'ok' | 'failed' | 'stopped';
  message: string;
}

export interface FfmpegJob {
  /** A file path, or 'pipe' to feed raw bytes through `input` of the returned run. */
  input: string | 'pipe';
  inputOptions?: string[];
  /** A file path, or 'pipe' to read ffmpeg's output from `output` of the returned run. */
  output: string | 'pipe';
  outputOptions: string[];
  /** Every stderr line, as ffmpeg prints it with a `[level]` prefix (used to read filter logs like showinfo). */
  onStderrLine?: (line: string) => void;
}

export interface FfmpegRun {
  /** Writable end of ffmpeg's stdin when job.input is 'pipe'. */
  input?: Writable;
  /** Readable end of ffmpeg's stdout when job.output is 'pipe'. Reading it slowly pauses ffmpeg (pipe backpressure). */
  output?: Readable;
  /** Settles once the process has exited and been reaped; never rejects. */
  done: Promise<FfmpegExit>;
  /** Kills ffmpeg (SIGKILL); `done` then resolves with status 'stopped'. Safe to call at any time, repeatedly. */
  stop(): void;
}

let located: Promise<FfmpegInfo> | undefined;

/** Finds ffmpeg/ffprobe once per process and refuses versions older than 5. */
export function ffmpegInfo(): Promise<FfmpegInfo> {
  located ??= locateFfmpeg().then((info) => {
    checkFfmpegVersion(info);
    return info;
  });
  located.catch(() => (located = undefined));
  return located;
}

const LEVELED = /^\[(panic|fatal|error|warning|info|verbose|debug|trace)\]\s?/;

/** Strips the `[level]` prefix that `-loglevel level+...` adds. */
export function stripLevel(line: string): { level: string; text: string } {
  const m = LEVELED.exec(line);
  return m ? { level: m[1], text: line.slice(m[0].length) } : { level: 'info', text: line };
}

export async function startFfmpeg(job: FfmpegJob): Promise<FfmpegRun> {
  const info = await ffmpegInfo();
  const inStream = job.input === 'pipe' ? new PassThrough() : undefined;
  const outStream = job.output === 'pipe' ? new PassThrough() : undefined;
  const cmd = ffmpeg(inStream ?? job.input);
  cmd.setFfmpegPath(info.ffmpeg);
  // `level+` prefixes lines with their severity so that failures are found among info-level filter logs.
  cmd.inputOptions('-hide_banner', '-nostats', '-loglevel', 'level+info', ...(job.inputOptions ?? []));
  cmd.outputOptions(...job.outputOptions);
  cmd.output(outStream ?? job.output);
  ownProcessGroup(cmd);

  let lastError = '';
  // ffmpeg's last error line can be a generic "Error initializing output stream"; the cause (a full disk, a
  // permission) is on an earlier line, and is what the user needs to read.
  let writeFault = '';
  let stopped = false;
  let started = false;
  cmd.on('stderr', (line: string) => {
    const { level, text } = stripLevel(line);
    if (level === 'error' || level === 'fatal' || level === 'panic') {
      lastError = text.trim();
      if (writeFaultIn(lastError)) writeFault = lastError;
    }
    job.onStderrLine?.(line);
  });
  // fluent's end/error events come once stderr is fully read, but can fire before the process is reaped (it
  // reports "Output stream closed" 20 ms after the output stream closes), so the status is taken from the exit code.
  const fluentDone = new Promise<string>((resolve) => {
    cmd.on('end', () => resolve(''));
    cmd.on('error', (err: Error) => resolve(err.message.split('\n')[0]));
  });
  const exitCode = new Promise<number | null>((resolve) => {
    cmd.on('start', () => {
      started = true;
      const proc = (cmd as unknown as { ffmpegProc?: ChildProcess }).ffmpegProc;
      if (!proc?.pid) return resolve(null); // spawn failed
      proc.once('exit', (code) => resolve(code));
      if (stopped) proc.kill('SIGKILL');
    });
    void fluentDone.then(() => {
      if (!started) resolve(null); // failed before spawning
    });
  });
  const done = Promise.all([fluentDone, exitCode]).then(([fluentMessage, code]): FfmpegExit => {
    if (stopped) return { status: 'stopped', message: '' };
    return code === 0 ? { status: 'ok', message: '' } : { status: 'failed', message: writeFault || lastError || fluentMessage };
  });
  let exited = false;
  void done.then(() => {
    exited = true;
    // Nobody reads stdin once ffmpeg is gone. stdout may still hold unread frames after a normal exit (the pipe
    // ends the stream once drained), so it is only closed here when ffmpeg was stopped or never started.
    inStream?.destroy();
    if (stopped) outStream?.destroy();
    else if (!started) outStream?.end();
  });
  cmd.run();
  return {
    input: inStream,
    output: outStream,
    done,
    stop() {
      if (stopped || exited) return;
      stopped = true;
      if (started) cmd.kill('SIGKILL');
    },
  };
}

type SpawnFfmpeg = (args: string[], options: object, ...callbacks: unknown[]) => void;

/**
 * Spawns this command's ffmpeg detached, i.e. in its own process group: Ctrl-C on a terminal signals the whole
 * foreground group, and an encoder killed that way leaves a preview without its index. depthkit then decides when
 * its children stop (stdin closed: finish; stop(): SIGKILL). fluent-ffmpeg (archived, so this private method will
 * not move) passes fixed spawn options from run(), so they are extended at its one spawn call.
 */
function ownProcessGroup(cmd: ffmpeg.FfmpegCommand): void {
  const c = cmd as unknown as { _spawnFfmpeg: SpawnFfmpeg };
  const spawnFfmpeg = c._spawnFfmpeg;
  c._spawnFfmpeg = function (this: unknown, args, options, ...callbacks) {
    spawnFfmpeg.call(this, args, { ...options, detached: true }, ...callbacks);
  };
}

/** The parts of `ffprobe -show_streams -show_format` that depthkit reads. */
export interface ProbeStream {
  index: number;
  codec_type?: string;
  codec_name?: string;
  width?: number;
  height?: number;
  avg_frame_rate?: string;
  r_frame_rate?: string;
  duration?: number | string;
  start_time?: number | string;
  nb_frames?: number | string;
  rotation?: number | string;
  sample_aspect_ratio?: string;
  time_base?: string;
  tags?: Record<string, string | number>;
  disposition?: Record<string, string | number>;
}

export interface ProbeData {
  streams: ProbeStream[];
  format: { duration?: number | string; format_name?: string };
}

/** Runs ffprobe; rejects with ffprobe's last stderr line as the message. */
export async function ffprobe(file: string): Promise<ProbeData> {
  const info = await ffmpegInfo();
  ffmpeg.setFfprobePath(info.ffprobe);
  return new Promise((resolve, reject) => {
    ffmpeg.ffprobe(file, ['-hide_banner', '-v', 'error'], (err, data) => {
      if (!err) return resolve(data as unknown as ProbeData);
      // fluent appends stderr to "ffprobe exited with code N"; its last non-empty line is the reason.
      const lines = String(err.message).split('\n').map((l) => l.trim()).filter(Boolean);
      reject(new Error(lines[lines.length - 1] ?? 'ffprobe failed'));
    });
  });
}

/**
 * Runs ffprobe with `args` and hands each stdout line to `onLine` as it comes (a packet listing of a long video is
 * megabytes, never held whole); rejects with ffprobe's last stderr line when it exits non-zero.
 */
export async function ffprobeLines(args: string[], onLine: (line: string) => void): Promise<void> {
  const info = await ffmpegInfo();
  const proc = spawn(info.ffprobe, ['-hide_banner', '-v', 'error', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let lastError = '';
  createInterface({ input: proc.stderr }).on('line', (l) => {
    if (l.trim()) lastError = l.trim();
  });
  const lines = createInterface({ input: proc.stdout });
  lines.on('line', onLine);
  const [code] = await Promise.all([
    new Promise<number | null>((resolve, reject) => {
      proc.once('error', reject);
      proc.once('close', (c) => resolve(c));
    }),
    new Promise<void>((resolve) => lines.once('close', () => resolve())),
  ]);
  if (code !== 0) throw new Error(lastError || `ffprobe exited with code ${code}`);
}

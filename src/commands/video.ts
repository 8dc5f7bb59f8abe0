import { Args } from '@oclif/core';
import { BaseCommand } from '../cli/base.js';
import { trapInterrupts } from '../cli/interrupt.js';
import { checkExistingSubdirs } from '../io/atomic.js';
import { videoFlags } from '../cli/video-flags.js';
import { parseDepthScales } from '../video/depth-checks.js';
import { videoProtocolFromFlags } from '../cli/protocol-flags.js';
import { createProgress, type Progress } from '../cli/progress.js';
import { displayPath, formatTable } from '../cli/table.js';
import type { EngineRequest } from '../model/engine.js';
import { formatPeakMemory } from '../util/peak-memory.js';

export default class Video extends BaseCommand {
  static override description = 'Stream a video through depth sources and measure temporal consistency (and accuracy with --gt)';
  static override examples = [
    '<%= config.bin %> video clip.mp4 --checkpoint depth.safetensors --clip clip/model.safetensors',
    '<%= config.bin %> video synth/video.mp4 --depth a=preds_a/ --depth b=preds_b.npz --gt synth/depth --poses synth/poses.txt --intrinsics synth/intrinsics.txt',
  ];
  static override args = { video: Args.string({ description: "input video, or image sequence: a folder of frames or a pattern ('frames/*.png', 'frames/%06d.png')", required: true }) };
  static override flags = videoFlags;

  async run() {
    const { args, flags: f } = await this.parse(Video);
    // Imported here rather than at the top: every command file is loaded when depthkit starts.
    const [{ runVideo, videoOutDir }, { writeVideoPlots }] = await Promise.all([import('../video/run-video.js'), import('../report/plots.js')]);
    if (f.plots) await checkExistingSubdirs(videoOutDir({ video: args.video, out: f.out }), ['plots']);
    const protocol = videoProtocolFromFlags(f);
    const verbose = f.verbose ? (line: string) => this.note(line) : undefined;
    const loadModel = f.checkpoint
      ? async () => (await import('../model/engine.js')).loadDepthModel({ checkpoint: f.checkpoint!, clip: f.clip, backend: f.backend as EngineRequest, workers: f.workers, verbose })
      : undefined;
    // SIGINT/SIGTERM stop decoding; the frames in flight are finished and every output is written for the frames done.
    const trap = trapInterrupts((signal) => this.note(`${signal}: finishing the frames in flight, then writing the outputs (send it again to exit at once)`));
    let progress: Progress | undefined;
    try {
      const result = await runVideo({
        video: args.video, out: f.out, loadModel, depth: f.depth, depthKey: f['depth-key'], depthScales: parseDepthScales(f['depth-scale']), depthKind: f['depth-kind'] as never, allowMismatch: f['allow-mismatch'],
        start: f.start, fps: f.fps, duration: f.duration, stride: f.stride, maxFrames: f['max-frames'], analysisSize: f['analysis-size'], save: f.save as never, preview: f.preview, resume: f.resume,
        ffmpeg: f.ffmpeg as never, hwaccel: f.hwaccel as never,
        flowDir: f.flow, flowSize: f['flow-size'], flowMethod: f['flow-method'] as never, flowPreset: f['flow-preset'] as never, flowWorkers: f['flow-workers'], gt: f.gt, gtScale: f['gt-scale'], ...protocol, poses: f.poses, intrinsics: f.intrinsics, signal: trap.signal, command: ['depthkit', 'video', ...this.argv].join(' '),
        onFrame: (done, total) => {
          progress ??= createProgress('video', Number.isFinite(total) ? total : 0, { enabled: !this.jsonEnabled(), unit: 'frames' });
          progress.tick();
          verbose?.(`frame ${done} done`);
        },
      }).finally(() => progress?.stop());
      if (f.plots && result.frames > 1) result.files.push(...(await writeVideoPlots(result.out)));
      for (const n of result.notes) this.note(`note: ${n}`);
      const cols = ['model', 'frames', 'smoothness', 'opw', 'rtc_105', 'flicker', ...(f.gt ? ['abs_rel', 'd1'] : []), ...(f.poses ? ['tae'] : [])];
      this.log(formatTable(cols, result.summary.map((r) => cols.map((c) => r[c] ?? ''))));
      this.log(`wrote ${result.files.map(displayPath).join(', ')}`);
      verbose?.(formatPeakMemory());
      trap.throwIfStopped(
        result.interrupted
          ? `interrupted after ${result.frames} frame(s), outputs in ${displayPath(result.out)} are valid for them: run the same command with --resume to continue`
          : `stopped after the last frame: outputs in ${displayPath(result.out)} are complete (${result.frames} frames), nothing to resume`,
      );
      return result;
    } finally {
      trap.dispose();
    }
  }
}

import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../cli/base.js';
import { floatFlag } from '../cli/flags.js';
import { createProgress, type Progress } from '../cli/progress.js';
import { displayPath, formatTable } from '../cli/table.js';
import { DepthkitError } from '../errors.js';
import { TF_BACKENDS } from '../model/backend.js';
import type { EngineRequest } from '../model/engine.js';
import { runVideo } from '../video/run-video.js';

export default class Video extends BaseCommand {
  static override description = 'Stream a video through depth sources and measure temporal consistency (and accuracy with --gt)';
  static override examples = [
    '<%= config.bin %> video clip.mp4 --checkpoint depth.safetensors --clip clip/model.safetensors',
    '<%= config.bin %> video synth/video.mp4 --depth a=preds_a/ --depth b=preds_b.npz --gt synth/depth --poses synth/poses.txt --intrinsics synth/intrinsics.txt',
  ];
  static override args = { video: Args.string({ description: 'input video', required: true }) };
  static override flags = {
    checkpoint: Flags.string({ description: 'depthkit checkpoint (.safetensors) of the built-in model' }),
    clip: Flags.string({ description: 'Hugging Face CLIP model.safetensors (default: $DEPTHKIT_CLIP)' }),
    backend: Flags.string({ description: 'engine of the built-in model', options: ['auto', 'onnx', ...TF_BACKENDS], default: 'auto' }),
    workers: Flags.integer({ description: 'tfjs wasm/cpu: model copies in worker threads', min: 1 }),
    depth: Flags.string({ description: 'depth another model wrote: folder of per-frame files, stack .npy or .npz; name=<source> (repeatable)', multiple: true }),
    'depth-key': Flags.string({ description: 'array name inside an .npz --depth' }),
    'depth-scale': floatFlag({ description: 'raw --depth values are divided by this', default: 1 }),
    'depth-kind': Flags.string({ description: '--depth values are depth or disparity (relative models)', options: ['depth', 'disparity'], default: 'depth' }),
    'allow-mismatch': Flags.boolean({ description: 'truncate to the shorter when frame counts differ', default: false }),
    start: floatFlag({ description: 'seconds from the start' }),
    duration: floatFlag({ description: 'seconds to process' }),
    stride: Flags.integer({ description: 'keep every n-th frame', min: 1 }),
    'max-frames': Flags.integer({ description: 'stop after this many frames', min: 1 }),
    'analysis-size': Flags.integer({ description: 'longest side (px) the metrics and flow run at', min: 16, default: 320 }),
    out: Flags.string({ description: 'output folder (default <video>.depthkit/)' }),
    save: Flags.string({ description: 'built-in model depth per frame: png16 (mm), npy (m) or none', options: ['png16', 'npy', 'none'], default: 'png16' }),
    preview: Flags.boolean({ description: 'write preview.mp4 (frame | coloured depth)', default: true, allowNo: true }),
    resume: Flags.boolean({ description: 'read back depth files already saved instead of predicting them', default: false }),
    flow: Flags.string({ description: 'folder of Middlebury .flo files (000000.flo = frame 0 -> 1, bwd_000001.flo = 1 -> 0)' }),
    gt: Flags.string({ description: 'ground-truth depth folder (16-bit PNG or .npy per frame)' }),
    'gt-scale': floatFlag({ description: 'ground-truth PNG values are divided by this', default: 1000 }),
    align: Flags.string({ description: 'alignment to ground truth', options: ['none', 'median', 'scale', 'scale-shift'], default: 'none' }),
    'align-scope': Flags.string({ description: 'one fit per frame or over the whole sequence', options: ['frame', 'sequence'], default: 'frame' }),
    'min-depth': floatFlag({ description: 'minimum valid ground-truth depth (m, exclusive)', default: 1e-3 }),
    'max-depth': floatFlag({ description: 'maximum valid ground-truth depth (m, exclusive)', default: 80 }),
    poses: Flags.string({ description: 'camera-to-world poses, one 3x4 row a frame (synth/KITTI layout), for TAE' }),
    intrinsics: Flags.string({ description: 'fx fy cx cy (or a 3x3 matrix), for TAE' }),
  };

  async run() {
    const { args, flags: f } = await this.parse(Video);
    const verbose = f.verbose ? (line: string) => this.note(line) : undefined;
    const loadModel = f.checkpoint
      ? async () => (await import('../model/engine.js')).loadDepthModel({ checkpoint: f.checkpoint!, clip: f.clip, backend: f.backend as EngineRequest, workers: f.workers, verbose })
      : undefined;
    const controller = new AbortController();
    const onSigint = () => controller.abort();
    process.once('SIGINT', onSigint);
    let progress: Progress | undefined;
    const result = await runVideo({
      video: args.video, out: f.out, loadModel, depth: f.depth, depthKey: f['depth-key'], depthScale: f['depth-scale'], depthKind: f['depth-kind'] as never,
      allowMismatch: f['allow-mismatch'], start: f.start, duration: f.duration, stride: f.stride, maxFrames: f['max-frames'], analysisSize: f['analysis-size'],
      save: f.save as never, preview: f.preview, resume: f.resume, flowDir: f.flow, gt: f.gt, gtScale: f['gt-scale'], align: f.align as never,
      alignScope: f['align-scope'] as never, minDepth: f['min-depth'], maxDepth: f['max-depth'], poses: f.poses, intrinsics: f.intrinsics,
      signal: controller.signal, command: ['depthkit', 'video', ...this.argv].join(' '),
      onFrame: (done, total) => {
        progress ??= createProgress('video', Number.isFinite(total) ? total : 0, { enabled: !this.jsonEnabled(), unit: 'frames' });
        progress.tick();
        verbose?.(`frame ${done} done`);
      },
    }).finally(() => (progress?.stop(), process.removeListener('SIGINT', onSigint)));
    for (const n of result.notes) this.note(`note: ${n}`);
    const cols = ['model', 'frames', 'smoothness', 'opw', 'rtc_105', 'flicker', ...(f.gt ? ['abs_rel', 'd1'] : []), ...(f.poses ? ['tae'] : [])];
    this.log(formatTable(cols, result.summary.map((r) => cols.map((c) => r[c] ?? ''))));
    this.log(`wrote ${result.files.map(displayPath).join(', ')}`);
    if (result.interrupted) {
      throw new DepthkitError(`interrupted after ${result.frames} frame(s), outputs written for them: run the same command with --resume to continue`, { exitCode: 130 });
    }
    return result;
  }
}

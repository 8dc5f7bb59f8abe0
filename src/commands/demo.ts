import { Flags } from '@oclif/core';
import { BaseCommand } from '../cli/base.js';
import { ffmpegFlags } from '../cli/ffmpeg-flags.js';
import { createProgress, type Progress } from '../cli/progress.js';
import { displayPath, formatTable } from '../cli/table.js';

export default class Demo extends BaseCommand {
  static override description =
    'Render a synthetic video with exact depth, score four depth sources on it (a tiny demo model, flickered ground truth, a constant map, ground truth) and write CSVs, plots and an HTML report; no weights or network needed';

  static override flags = {
    out: Flags.string({ description: 'output folder', default: 'depthkit-demo' }),
    ...ffmpegFlags,
  };

  async run() {
    const { flags } = await this.parse(Demo);
    // Imported here rather than at the top: every command file is loaded when depthkit starts.
    const { runDemo } = await import('../demo/run-demo.js');
    let progress: Progress | undefined;
    const r = await runDemo(flags.out, {
      ffmpeg: flags.ffmpeg as never,
      log: (line) => this.note(line),
      onFrame: (_done, total) => {
        progress ??= createProgress('video', total, { enabled: !this.jsonEnabled(), unit: 'frames' });
        progress.tick();
      },
    }).finally(() => progress?.stop());
    const cols = ['model', 'abs_rel', 'd1', 'tae', 'opw', 'rtc_105', 'flicker', 'smoothness'];
    this.log(formatTable(cols, r.video.summary.map((row) => cols.map((c) => row[c] ?? ''))));
    this.log('demo-tiny is a tiny demonstration model (random frozen CLIP-architecture encoder), not the paper\'s ViT-B/16.');
    this.log('gt-flicker scores well per frame but badly on flicker / rTC / TAE; constant scores perfectly on OPW and rTC');
    this.log('but badly on accuracy: temporal metrics belong beside accuracy, never alone.');
    this.log(`report: ${displayPath(r.report)}`);
    this.log(`CSVs, plots, preview: ${displayPath(r.video.out)}`);
    return { report: r.report, out: r.out, summary: r.video.summary, files: r.video.files };
  }
}

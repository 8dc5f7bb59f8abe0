import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../cli/base.js';
import { displayPath } from '../cli/table.js';

export default class Report extends BaseCommand {
  static override description = 'Write one self-contained HTML page comparing eval/video run folders side by side';

  static override strict = false;

  static override examples = [
    '<%= config.bin %> report runs/baseline runs/candidate',
    '<%= config.bin %> report runs/video-a --out video-a.html --json',
  ];

  static override args = {
    run: Args.string({ description: 'run folders (summary.csv + per_image.csv or frames.csv)', required: true }),
  };

  static override flags = {
    out: Flags.string({ description: 'HTML file to write (default: report.html in the first run folder)' }),
  };

  async run() {
    const { argv, flags } = await this.parse(Report);
    // Imported here rather than at the top: every command file is loaded when depthkit starts.
    const { writeReport } = await import('../report/report.js');
    const result = await writeReport(argv as string[], { out: flags.out });
    this.log(`wrote ${displayPath(result.out)} (${result.runs.map((r) => `${r.name}: ${r.kind}`).join(', ')})`);
    return result;
  }
}

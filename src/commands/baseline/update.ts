import { Args } from '@oclif/core';
import { BaseCommand } from '../../cli/base.js';
import { baselineRecordPath, updateBaseline } from '../../ci/baseline.js';

export default class BaselineUpdate extends BaseCommand {
  static override description = 'Accept a candidate metrics CSV as the new baseline (copies it and its protocol sidecar, records provenance)';

  static override examples = ['<%= config.bin %> baseline update out/summary.csv baseline/summary.csv'];

  static override args = {
    candidate: Args.string({ description: 'candidate CSV to accept', required: true }),
    baseline: Args.string({ description: 'baseline CSV to replace', required: true }),
  };

  async run() {
    const { args } = await this.parse(BaselineUpdate);
    const record = await updateBaseline(args.candidate, args.baseline);
    this.log(`${args.baseline} <- ${args.candidate} (${record.rows} row(s); provenance in ${baselineRecordPath(args.baseline)})`);
    return { baseline: args.baseline, record };
  }
}

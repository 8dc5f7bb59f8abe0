import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../cli/base.js';
import { fractionFlag } from '../cli/flags.js';
import { formatTable } from '../cli/table.js';
import { comparisonNotes, comparisonTable } from '../ci/report-table.js';
import { runCompare } from '../ci/run-compare.js';

export default class Compare extends BaseCommand {
  static override description = 'Compare a candidate metrics CSV with a baseline; exit 1 on a regression beyond tolerance, 2 on unusable input';

  static override examples = [
    '<%= config.bin %> compare baseline/summary.csv out/summary.csv --tolerance abs_rel=0.002,d1=0.005',
    '<%= config.bin %> compare baseline/per_image.csv out/per_image.csv --gate significant --junit junit.xml --markdown compare.md',
  ];

  static override args = {
    baseline: Args.string({ description: 'baseline CSV (or a name from the config\'s "baselines")', required: true }),
    candidate: Args.string({ description: 'candidate CSV', required: true }),
  };

  static override flags = {
    tolerance: Flags.string({ description: 'per-metric allowed worsening: abs_rel=0.002,d1=0.005 (absolute) or abs_rel=1% (relative)', multiple: true }),
    'default-tolerance': Flags.string({ description: 'tolerance for gated metrics without their own (number or percent; default 1%)' }),
    key: Flags.string({ description: 'column matching rows (default: name, else model or video when both files have it)' }),
    metrics: Flags.string({ description: 'comma-separated metrics that gate (default: every metric with a known better side)' }),
    config: Flags.string({ description: 'config file (default: depthkit.config.json, else the "depthkit" key of package.json)' }),
    gate: Flags.string({ description: 'mean: the mean delta gates; significant: fail only when the whole bootstrap interval is beyond tolerance', options: ['mean', 'significant'] }),
    resamples: Flags.integer({ description: 'bootstrap resamples (default 10000)', min: 100 }),
    seed: Flags.integer({ description: 'bootstrap seed (default 1)' }),
    confidence: fractionFlag({ description: 'bootstrap interval coverage (default 0.95)' }),
    'allow-new-rows': Flags.boolean({ description: 'rows only in the candidate do not fail', default: false }),
    'allow-missing-rows': Flags.boolean({ description: 'rows only in the baseline do not fail', default: false }),
    'allow-nonfinite': Flags.boolean({ description: 'compare files holding inf/-inf/nan metric values (such a row is left out, as NaN) instead of exit 2', default: false }),
    markdown: Flags.string({ description: 'write a Markdown summary here (also appended to $GITHUB_STEP_SUMMARY when set)' }),
    junit: Flags.string({ description: 'write JUnit XML here' }),
    'strict-protocol': Flags.boolean({ description: 'exit 2 when the CSVs\' protocol sidecars differ (default: warn)', default: false }),
    'report-link': Flags.string({ description: 'URL of a full report, linked from the Markdown header' }),
  };

  async run() {
    const { args, flags } = await this.parse(Compare);
    const run = await runCompare({
      baseline: args.baseline,
      candidate: args.candidate,
      cwd: process.cwd(),
      config: flags.config,
      key: flags.key,
      metrics: flags.metrics?.split(',').map((m) => m.trim()).filter(Boolean),
      tolerance: flags.tolerance,
      defaultTolerance: flags['default-tolerance'],
      gate: flags.gate as 'mean' | 'significant' | undefined,
      resamples: flags.resamples,
      seed: flags.seed,
      confidence: flags.confidence,
      allowNewRows: flags['allow-new-rows'],
      allowMissingRows: flags['allow-missing-rows'],
      allowNonfinite: flags['allow-nonfinite'],
      strictProtocol: flags['strict-protocol'],
      markdown: flags.markdown,
      junit: flags.junit,
      reportLink: flags['report-link'],
      stepSummary: process.env.GITHUB_STEP_SUMMARY || undefined,
    });
    for (const d of run.protocol) this.warn(`protocol differs: ${d.field} = ${d.baseline} (baseline) vs ${d.candidate} (candidate)`);
    const { columns, rows } = comparisonTable(run.result, run.confidence);
    this.log(formatTable(columns, rows));
    for (const n of comparisonNotes(run.result)) this.log(`note: ${n}`);
    this.log(run.result.passed ? 'PASS' : 'FAIL');
    // Exit 1 without throwing, so that --json still prints the result object.
    if (!run.result.passed) process.exitCode = 1;
    return run;
  }
}

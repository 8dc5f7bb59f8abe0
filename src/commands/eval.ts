import { Flags } from '@oclif/core';
import { BaseCommand } from '../cli/base.js';
import { createProgress, silentProgress, type Progress } from '../cli/progress.js';
import { formatTable, displayPath } from '../cli/table.js';
import { protocolFlags, protocolFromFlags } from '../cli/protocol-flags.js';
import { benchmarkFlags } from '../cli/eval-flags.js';
import { runFolderEval } from '../eval/run-folder.js';
import { datasetOptions, describeDatasetRun, runDatasetEval } from '../eval/dataset.js';
import { writeEvalPlots } from '../report/plots.js';
import { writeEvalWorstStrips } from '../report/strips.js';
import { DepthkitError } from '../errors.js';

export default class Eval extends BaseCommand {
  static override description = 'Evaluate depth predictions against ground truth: folders paired by file name stem, or a benchmark split (NYU, KITTI)';

  static override examples = [
    '<%= config.bin %> eval --pred preds/ --gt kitti_gt/ --dataset kitti',
    '<%= config.bin %> eval --pred preds/ --gt gt/ --align median --crop none --max-depth 10 --gt-scale 1000',
    '<%= config.bin %> eval --dataset kitti --split eigen_benchmark --data-path kitti_raw/ --gt-path data_depth_annotated/ --pred preds/',
    '<%= config.bin %> eval --dataset nyu --data-path nyu_depth_v2_labeled.mat --checkpoint depth.safetensors --shard 1/4 --out part1',
  ];

  static override flags = {
    pred: Flags.string({ description: 'folder of predictions (.npy, 16-bit .png, .pfm); with --data-path named by split entry (docs/datasets.md)' }),
    gt: Flags.string({ description: 'folder of ground-truth depth (.png 16-bit, .npy, .pfm)', exclusive: ['data-path'] }),
    ...benchmarkFlags,
    ...protocolFlags,
    'skip-invalid': Flags.boolean({ description: 'drop images whose ground truth has no valid pixel instead of failing', default: false }),
    concurrency: Flags.integer({ description: 'images read and evaluated at once (default: 2 per core)', min: 1 }),
    plots: Flags.boolean({ description: 'write plots/ (histograms) and strips/ (worst images) beside the CSVs', default: true, allowNo: true }),
    out: Flags.string({ description: 'output folder for per_image.csv, summary.csv, run.json', default: 'depthkit-eval' }),
  };

  async run() {
    const { flags } = await this.parse(Eval);
    const protocol = protocolFromFlags(flags);
    let progress: Progress = silentProgress;
    const onStart = (n: number) => (progress = createProgress('eval', n, { enabled: !this.jsonEnabled(), unit: 'images' }));
    let run;
    if (flags['data-path']) {
      const report = await runDatasetEval(datasetOptions({ ...flags, 'data-path': flags['data-path'] }, protocol, {
        onStart,
        onImage: () => progress.tick(),
        verbose: flags.verbose && !this.jsonEnabled() ? (line) => this.note(line) : undefined,
      })).finally(() => progress.stop());
      run = { ...describeDatasetRun(report), files: report.files };
    } else {
      if (!flags.pred || !flags.gt) throw new DepthkitError('pass --pred and --gt (folders), or --dataset with --data-path (a benchmark split)');
      onStart(0);
      const o = { pred: flags.pred, gt: flags.gt, out: flags.out, protocol, skipInvalid: flags['skip-invalid'], concurrency: flags.concurrency };
      run = await runFolderEval({ ...o, onImage: () => progress.tick() }).finally(() => progress.stop());
      if (flags.plots) run.files.push(...(await writeEvalWorstStrips(flags.out)));
    }
    if (flags.plots) run.files.push(...(await writeEvalPlots(flags.out)));
    for (const line of run.notes) this.note(line);
    this.log(formatTable(['count', ...run.json.table.columns], [[run.json.summary.count, ...run.json.table.values]]));
    this.log(`protocol: ${Object.entries(run.json.protocol).map(([k, v]) => `${k}=${v}`).join(' ')}`);
    this.log(`wrote ${run.files.map(displayPath).join(', ')}`);
    return run.json;
  }
}

import { Flags } from '@oclif/core';
import { BaseCommand } from '../cli/base.js';
import { imageEvalHooks, sequenceEvalHooks } from '../cli/eval-hooks.js';
import { formatTable, displayPath } from '../cli/table.js';
import { protocolFlags, protocolFromFlags } from '../cli/protocol-flags.js';
import { benchmarkFlags, imageEvalFlags } from '../cli/eval-flags.js';
import { folderOptions, runFolderEval } from '../eval/run-folder.js';
import { datasetOptions, describeDatasetRun, runDatasetEval } from '../eval/dataset.js';
import { EvalStopped } from '../eval/resumable.js';
import { checkExistingSubdirs } from '../io/atomic.js';
import { videoBenchmarkFlags } from '../cli/video-benchmark-flags.js';
import { parseVideoBenchmarks } from '../data/video-benchmarks/presets.js';
import { runVideoBenchmarks } from '../eval/sequence-command.js';

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
    ...videoBenchmarkFlags,
    ...imageEvalFlags,
    plots: Flags.boolean({ description: 'write plots/ (histograms) and strips/ (worst images) beside the CSVs', default: true, allowNo: true }),
    out: Flags.string({ description: 'output folder for per_image.csv, summary.csv, run.json', default: 'depthkit-eval' }),
  };

  async run() {
    const { flags } = await this.parse(Eval);
    const videoSets = flags.dataset && parseVideoBenchmarks(flags.dataset);
    if (videoSets) return this.videoBenchmarks(videoSets, flags);
    if (flags.dataset && !['kitti', 'nyu'].includes(flags.dataset)) this.error(`--dataset: unknown "${flags.dataset}"`);
    const protocol = protocolFromFlags(flags);
    const dataset = flags['data-path'];
    const { hooks, trap, stop } = imageEvalHooks({ json: this.jsonEnabled(), verbose: flags.verbose, plots: flags.plots, dataset: dataset !== undefined, note: (line) => this.note(line) });
    if (flags.plots) await checkExistingSubdirs(flags.out, ['plots', 'strips']);
    let run;
    try {
      run = dataset
        ? describeDatasetRun(await runDatasetEval(datasetOptions({ ...flags, 'data-path': dataset }, protocol, hooks)))
        : await runFolderEval(folderOptions(flags, protocol, hooks));
    } catch (err) {
      if (err instanceof EvalStopped) trap.throwIfStopped(`${err.message}; run the same command with --resume to continue`);
      throw err;
    } finally {
      stop();
    }
    for (const line of run.notes) this.note(line);
    this.log(formatTable(['count', ...run.json.table.columns], [[run.json.summary.count, ...run.json.table.values]]));
    this.log(`protocol: ${Object.entries(run.json.protocol).map(([k, v]) => `${k}=${v}`).join(' ')}`);
    this.log(`wrote ${run.json.files.map(displayPath).join(', ')}`);
    return run.json;
  }

  private async videoBenchmarks(sets: Parameters<typeof runVideoBenchmarks>[0], flags: Parameters<typeof runVideoBenchmarks>[1]) {
    const { hooks, trap } = sequenceEvalHooks({ json: this.jsonEnabled(), note: (line) => this.note(line) });
    try {
      const run = await runVideoBenchmarks(sets, flags, hooks);
      const cols = ['abs_rel', 'rmse', 'd1', 'tae'] as const;
      this.log(formatTable(['dataset', 'sequences', ...cols], run.summary.map((s) => [s.dataset, s.sequences, ...cols.map((c) => s[c])])));
      if (run.table) this.log(run.table.markdown);
      this.log(`wrote ${run.files.map(displayPath).join(', ')}`);
      return { summary: run.summary, sequences: run.rows, table: run.table?.row, protocol: run.meta, files: run.files };
    } catch (err) {
      // Stopped between sequences, the finished ones saved: exit 130/143 like the other runs.
      trap.throwIfStopped((err as Error).message);
      throw err;
    } finally {
      trap.dispose();
    }
  }
}

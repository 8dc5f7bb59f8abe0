import { Flags } from '@oclif/core';
import { BaseCommand } from '../cli/base.js';
import { createProgress, silentProgress, type Progress } from '../cli/progress.js';
import { formatTable, displayPath } from '../cli/table.js';
import { protocolFlags, protocolFromFlags } from '../cli/protocol-flags.js';
import { benchmarkFlags } from '../cli/eval-flags.js';
import { trapInterrupts } from '../cli/interrupt.js';
import { folderOptions, runFolderEval } from '../eval/run-folder.js';
import { datasetOptions, describeDatasetRun, runDatasetEval } from '../eval/dataset.js';
import { EvalStopped, type RunHooks } from '../eval/resumable.js';
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
    'skip-invalid': Flags.boolean({ description: 'drop images whose ground truth has no valid pixel instead of failing', default: false }),
    concurrency: Flags.integer({ description: 'images read and evaluated at once (default: 2 per core)', min: 1 }),
    plots: Flags.boolean({ description: 'write plots/ (histograms) and strips/ (worst images) beside the CSVs', default: true, allowNo: true }),
    out: Flags.string({ description: 'output folder for per_image.csv, summary.csv, run.json', default: 'depthkit-eval' }),
  };

  async run() {
    const { flags } = await this.parse(Eval);
    const videoSets = flags.dataset ? parseVideoBenchmarks(flags.dataset) : undefined;
    if (videoSets) return this.videoBenchmarks(videoSets, flags);
    if (flags.dataset && !['kitti', 'nyu'].includes(flags.dataset)) this.error(`--dataset: unknown "${flags.dataset}"`);
    const protocol = protocolFromFlags(flags);
    const dataset = flags['data-path'];
    let progress: Progress = silentProgress;
    // Ctrl-C: the images in flight finish and are saved, then the run stops (a second Ctrl-C exits at once).
    const trap = trapInterrupts((sig) => {
      progress.stop();
      progress = silentProgress;
      process.stderr.write(`depthkit: ${sig}: finishing the images in flight, then stopping (${sig} again exits at once)\n`);
    });
    const hooks: RunHooks = {
      signal: trap.signal,
      onStart: (n) => (progress = createProgress('eval', n, { enabled: !this.jsonEnabled(), unit: 'images' })),
      onImage: () => progress.tick(),
      log: flags.verbose && !this.jsonEnabled() ? (line) => this.note(line) : undefined,
      // Loaded only when drawn (the chart renderer is slow to load). Strips re-read the --pred/--gt folders that a
      // folder run names in run.json.
      extras: flags.plots ? async (out) => {
        const [{ writeEvalPlots }, { writeEvalWorstStrips }] = await Promise.all([import('../report/plots.js'), import('../report/strips.js')]);
        return [...(dataset ? [] : await writeEvalWorstStrips(out)), ...(await writeEvalPlots(out))];
      } : undefined,
    };
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
      progress.stop();
      trap.dispose();
    }
    for (const line of run.notes) this.note(line);
    this.log(formatTable(['count', ...run.json.table.columns], [[run.json.summary.count, ...run.json.table.values]]));
    this.log(`protocol: ${Object.entries(run.json.protocol).map(([k, v]) => `${k}=${v}`).join(' ')}`);
    this.log(`wrote ${run.json.files.map(displayPath).join(', ')}`);
    return run.json;
  }

  private async videoBenchmarks(sets: Parameters<typeof runVideoBenchmarks>[0], flags: Parameters<typeof runVideoBenchmarks>[1]) {
    const trap = trapInterrupts(() => process.stderr.write('depthkit: finishing the sequence in flight, then stopping\n'));
    try {
      const run = await runVideoBenchmarks(sets, flags, {
        signal: trap.signal,
        progress: (n) => createProgress('eval', n, { enabled: !this.jsonEnabled(), unit: 'frames' }),
        log: this.jsonEnabled() ? undefined : (line) => this.note(line),
      });
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

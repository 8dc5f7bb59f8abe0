import { Flags } from '@oclif/core';
import { BaseCommand } from '../cli/base.js';
import { createProgress } from '../cli/progress.js';
import { formatTable, displayPath } from '../cli/table.js';
import { resolveProtocol, protocolRecord } from '../eval/protocol.js';
import { evaluateFolder, PER_IMAGE_COLUMNS, SUMMARY_COLUMNS } from '../eval/folder.js';
import { writeEvalOutputs } from '../eval/outputs.js';
import { ensureWritableDir } from '../io/atomic.js';
import { METRIC_NAMES } from '../metrics/accuracy.js';
import { floatFlag } from '../cli/flags.js';

export default class Eval extends BaseCommand {
  static override description = 'Evaluate depth predictions against ground truth (folders paired by file name stem)';

  static override examples = [
    '<%= config.bin %> eval --pred preds/ --gt kitti_gt/ --dataset kitti',
    '<%= config.bin %> eval --pred preds/ --gt gt/ --align median --crop none --max-depth 10 --gt-scale 1000',
  ];

  static override flags = {
    pred: Flags.string({ description: 'folder of predictions (.npy, 16-bit .png, .pfm)', required: true }),
    gt: Flags.string({ description: 'folder of ground-truth depth (.png 16-bit, .npy, .pfm)', required: true }),
    dataset: Flags.string({ description: 'protocol defaults: kitti = garg crop, 1e-3..80 m, gt/256; nyu = eigen crop, 1e-3..10 m, gt/1000', options: ['kitti', 'nyu'] }),
    crop: Flags.string({ description: 'evaluation crop', options: ['none', 'garg', 'eigen'] }),
    'min-depth': floatFlag({ description: 'minimum valid depth in metres (exclusive)' }),
    'max-depth': floatFlag({ description: 'maximum valid depth in metres (exclusive); predictions are clamped to it' }),
    align: Flags.string({ description: 'alignment of relative predictions', options: ['none', 'median', 'scale', 'scale-shift'] }),
    'align-space': Flags.string({ description: 'least-squares space for scale / scale-shift', options: ['depth', 'disparity'] }),
    'pred-scale': floatFlag({ description: 'raw prediction values are divided by this (default 1)' }),
    'gt-scale': floatFlag({ description: 'raw ground-truth PNG values are divided by this (default 256 kitti, 1000 nyu, else 1)' }),
    'skip-invalid': Flags.boolean({ description: 'drop images whose ground truth has no valid pixel instead of failing', default: false }),
    concurrency: Flags.integer({ description: 'images read and evaluated at once (default: 2 per core)', min: 1 }),
    out: Flags.string({ description: 'output folder for per_image.csv and summary.csv', default: 'depthkit-eval' }),
  };

  async run() {
    const { flags } = await this.parse(Eval);
    const protocol = resolveProtocol({
      dataset: flags.dataset as never,
      crop: flags.crop as never,
      minDepth: flags['min-depth'],
      maxDepth: flags['max-depth'],
      align: flags.align as never,
      alignSpace: flags['align-space'] as never,
      predScale: flags['pred-scale'],
      gtScale: flags['gt-scale'],
    });
    await ensureWritableDir(flags.out);
    const started = new Date().toISOString();
    const progress = createProgress('eval', 0, { enabled: !this.jsonEnabled(), unit: 'images' });
    const result = await evaluateFolder({
      predDir: flags.pred,
      gtDir: flags.gt,
      protocol,
      skipInvalid: flags['skip-invalid'],
      concurrency: flags.concurrency,
      onImage: () => progress.tick(),
    }).finally(() => progress.stop());
    const files = await writeEvalOutputs(flags.out, result, protocol, { started, inputs: { pred: flags.pred, gt: flags.gt } });
    if (result.resizedCount > 0) this.note(`note: ${result.resizedCount} prediction(s) resized (bilinear) to their ground truth's size`);
    if (result.unmatchedPred.length || result.unmatchedGt.length) {
      this.note(`note: ${result.unmatchedPred.length} prediction(s) and ${result.unmatchedGt.length} ground-truth file(s) had no partner`);
    }
    if (result.skipped.length) this.note(`note: skipped ${result.skipped.length} image(s) without valid ground truth`);
    this.log(formatTable(SUMMARY_COLUMNS, [[result.summary.count, ...METRIC_NAMES.map((m) => result.summary[m])]]));
    this.log(`protocol: ${Object.entries(protocolRecord(protocol)).map(([k, v]) => `${k}=${v}`).join(' ')}`);
    this.log(`wrote ${files.map(displayPath).join(', ')}`);
    return { summary: result.summary, protocol: protocolRecord(protocol), files, resized: result.resizedCount, skipped: result.skipped, columns: PER_IMAGE_COLUMNS };
  }
}

import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../cli/base.js';
import { displayPath, formatTable } from '../cli/table.js';
import { PAPER_COLUMNS } from '../data/table.js';
import { ensureWritableDir } from '../io/atomic.js';
import { PER_IMAGE_COLUMNS } from '../eval/folder.js';
import { writeEvalOutputs } from '../eval/outputs.js';
import { protocolRecord } from '../eval/protocol.js';
import { mergeShards, readShard } from '../eval/shard.js';
import { isSequenceRun, mergeSequenceShards } from '../eval/sequence-merge.js';

export default class Merge extends BaseCommand {
  static override description = 'Combine the output folders of `eval --shard i/n` into the result of one run';

  static override examples = ['<%= config.bin %> merge part1/ part2/ part3/ part4/ --out nyu-eval'];

  static override strict = false;

  static override args = { shards: Args.string({ description: 'output folders of the shards (every part once, any order)', required: true }) };

  static override flags = {
    out: Flags.string({ description: 'output folder for per_image.csv, summary.csv and table.csv', required: true }),
  };

  async run() {
    const { argv, flags } = await this.parse(Merge);
    const dirs = argv as string[];
    const started = new Date().toISOString();
    if (dirs.length && (await isSequenceRun(dirs[0]))) {
      const merged = await mergeSequenceShards(dirs, flags.out);
      this.log(`merged ${merged.rows.length} sequences; wrote ${merged.files.map(displayPath).join(', ')}`);
      return { summary: merged.summary, sequences: merged.rows, protocol: merged.meta, files: merged.files };
    }
    const { result, protocol, meta } = mergeShards(await Promise.all(dirs.map(readShard)));
    await ensureWritableDir(flags.out);
    const table = protocol.dataset ? PAPER_COLUMNS[protocol.dataset] : undefined;
    const files = await writeEvalOutputs(flags.out, result, protocol, { started, inputs: { shards: dirs } }, { meta, table });
    const columns = table ?? [];
    this.log(formatTable(['count', ...columns], [[result.summary.count, ...columns.map((m) => result.summary[m])]]));
    this.log(`wrote ${files.map(displayPath).join(', ')}`);
    return { summary: result.summary, protocol: protocolRecord(protocol), run: meta, files, columns: PER_IMAGE_COLUMNS };
  }
}

import { BaseCommand } from '../cli/base.js';
import { InterruptedError, trapInterrupts } from '../cli/interrupt.js';
import { createProgress, type Progress } from '../cli/progress.js';
import { trainFlags, trainingRequestFromFlags } from '../cli/train-flags.js';
import { runTraining } from '../train/run-training.js';

export default class Train extends BaseCommand {
  static override description = 'Train mirror + decoder on a frozen CLIP from RGB + depth pairs (scale-invariant log loss, AdamW)';

  static override examples = [
    '<%= config.bin %> train --data synth/train.txt --val synth/val.txt --clip clip.safetensors --init --input-size 64x48 --out run --steps 300',
    '<%= config.bin %> train --data nyu/train.txt --val nyu/val.txt --checkpoint depth.safetensors --out run --steps 20000 --batch-size 8',
    '<%= config.bin %> train --data nyu/train.txt --val nyu/val.txt --resume --out run --steps 20000',
  ];

  static override flags = trainFlags;

  async run() {
    const { flags: f } = await this.parse(Train);
    let progress: Progress | undefined;
    const trap = trapInterrupts((sig) => this.note(`\n${sig}: finishing the step in flight and saving; ${sig} again exits now`));
    try {
      const result = await runTraining({
        ...trainingRequestFromFlags(f),
        // cli-progress fills {loss} from the tick payload; the unit text is the only part of the bar format we set.
        onStep: ({ step, loss }) => {
          progress ??= createProgress('train', f.steps - step + 1, { enabled: !this.jsonEnabled(), unit: 'steps | loss {loss}' });
          progress.tick(1, { loss: loss.toFixed(4) });
        },
        signal: trap.signal,
      }).finally(() => progress?.stop());
      if (result.interrupted) {
        throw new InterruptedError(trap.received()!, `stopped at step ${result.step} of ${f.steps}, checkpoint and optimizer state saved in ${f.out}; `
          + `continue with the same command, --resume in place of --init/--checkpoint`);
      }
      const row = result.lastRow;
      const val = row && Number.isFinite(row.val_abs_rel) ? `, val abs_rel ${row.val_abs_rel.toFixed(4)} rmse ${row.val_rmse.toFixed(4)} d1 ${row.val_d1.toFixed(4)}` : '';
      this.log(`trained steps ${result.startStep}..${result.step} on ${result.train} images (${result.backend}, ${result.itPerSec.toFixed(2)} it/s)${val}`);
      this.log(`wrote ${result.checkpoint}, ${result.log}${result.preview ? `, ${result.preview}` : ''}`);
      return result;
    } finally {
      trap.dispose();
    }
  }
}

import { Flags } from '@oclif/core';
import { BaseCommand } from '../cli/base.js';
import { collectDoctorReport, formatDoctorReport } from '../cli/doctor-report.js';
import { ffmpegFlags } from '../cli/ffmpeg-flags.js';

export default class Doctor extends BaseCommand {
  static override description = 'Show the tensor backend, ffmpeg and versions depthkit would use on this machine';

  static override flags = {
    backend: Flags.string({ description: 'backend to check', options: ['auto', 'tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'], default: 'auto' }),
    ...ffmpegFlags,
  };

  async run() {
    const { flags } = await this.parse(Doctor);
    const report = await collectDoctorReport(flags.backend as never, flags.ffmpeg as never);
    this.log(formatDoctorReport(report));
    return report;
  }
}

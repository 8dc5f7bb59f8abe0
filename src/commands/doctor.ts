import { Flags } from '@oclif/core';
import { BaseCommand } from '../cli/base.js';
import { collectDoctorReport, formatDoctorReport } from '../cli/doctor-report.js';
import { ENGINE_REQUESTS, type EngineRequest } from '../model/engine.js';
import { ffmpegFlags } from '../cli/ffmpeg-flags.js';

export default class Doctor extends BaseCommand {
  static override description = 'Show the tensor backend, ffmpeg and versions depthkit would use on this machine';

  static override flags = {
    backend: Flags.string({ description: 'engine to check, as the other commands take it (an unavailable one is an error saying why)', options: [...ENGINE_REQUESTS], default: 'auto' }),
    ...ffmpegFlags,
  };

  async run() {
    const { flags } = await this.parse(Doctor);
    const report = await collectDoctorReport(flags.backend as EngineRequest, flags.ffmpeg as never);
    this.log(formatDoctorReport(report));
    return report;
  }
}

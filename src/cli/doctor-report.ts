import os from 'node:os';
import { probeBackends, TF_BACKENDS, type BackendProbe, type BackendRequest, type TfBackendName } from '../model/backend.js';
import { chooseEngine, probeEngines, type EngineName, type EngineProbe, type EngineRequest } from '../model/engine.js';
import { probeTfWebgpu, type TfWebgpuProbe } from '../model/tf-webgpu.js';
import { formatFfmpegReport, probeFfmpegs, type FfmpegReport } from '../video/backend/doctor.js';
import type { FfmpegChoice } from '../video/backend/types.js';
import { DEPTHKIT_VERSION } from '../version.js';

export interface DoctorReport {
  depthkit: string;
  node: string;
  platform: string;
  cpus: number;
  backend: TfBackendName | null;
  backendRequest: BackendRequest;
  backends: BackendProbe[];
  /** Inference engine `--backend auto` picks (ONNX Runtime or tfjs), and why. */
  engine: EngineName;
  engineReason: string;
  engines: EngineProbe[];
  /** tfjs on WebGPU for `train --backend webgpu`. */
  trainWebgpu: TfWebgpuProbe;
  /** Both FFmpegs (embedded and system), their versions and which one is in use. */
  ffmpeg: FfmpegReport;
}

/** `request` is any engine `--backend` takes elsewhere (auto, onnx, a tfjs backend); an unavailable one is an error. */
export async function collectDoctorReport(engineRequest: EngineRequest = 'auto', ffmpegChoice: FfmpegChoice = 'auto'): Promise<DoctorReport> {
  // The tfjs line follows a tfjs backend request; ONNX Runtime and WebGPU requests leave it at auto.
  const request: BackendRequest = (TF_BACKENDS as readonly string[]).includes(engineRequest) ? (engineRequest as BackendRequest) : 'auto';
  const backends = await probeBackends();
  const engines = await probeEngines();
  const { engine, reason: engineReason } = await chooseEngine(engineRequest, engines);
  const chosen = request === 'auto' ? backends.find((b) => b.available) : backends.find((b) => b.name === request && b.available);
  const ffmpeg = await probeFfmpegs(ffmpegChoice);
  return {
    depthkit: DEPTHKIT_VERSION,
    node: process.version,
    platform: `${os.platform()}-${os.arch()}`,
    cpus: os.availableParallelism(),
    backend: chosen?.name ?? null,
    backendRequest: request,
    backends,
    engine,
    engineReason,
    engines,
    trainWebgpu: await probeTfWebgpu(),
    ffmpeg,
  };
}

export function formatDoctorReport(r: DoctorReport): string {
  const lines = [
    `depthkit   ${r.depthkit}`,
    `node       ${r.node} (${r.platform}, ${r.cpus} cores)`,
    `inference  ${r.engine} (${r.engineReason.startsWith('auto') ? '--backend auto: the first available below' : r.engineReason})`,
    ...r.engines.map((b) => `  ${b.available ? '+' : '-'} ${b.name.padEnd(15)} ${b.detail}${b.autoSkip ? ` (auto skips it: ${b.autoSkip})` : ''}`),
    `tfjs       ${r.backend ?? 'none'} (training and tfjs inference${r.backendRequest === 'auto' ? '; auto: first available of tensorflow-gpu, tensorflow, wasm, cpu' : ''})`,
    `train gpu  ${r.trainWebgpu.available ? '+' : '-'} webgpu ${r.trainWebgpu.detail} (train --backend webgpu)`,
    ...formatFfmpegReport(r.ffmpeg),
  ];
  return lines.join('\n');
}

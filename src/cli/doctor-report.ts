import os from 'node:os';
import { probeBackends, type BackendProbe, type BackendRequest, type TfBackendName } from '../model/backend.js';
import { chooseEngine, probeEngines, type EngineName, type EngineProbe } from '../model/engine.js';
import { probeTfWebgpu, type TfWebgpuProbe } from '../model/tf-webgpu.js';
import { locateFfmpeg, checkFfmpegVersion } from '../video/ffmpeg-locate.js';
import { errorMessage } from '../errors.js';
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
  ffmpeg: { path: string; version: string; ok: boolean; problem?: string } | { path: null; problem: string };
}

export async function collectDoctorReport(request: BackendRequest = 'auto'): Promise<DoctorReport> {
  const backends = await probeBackends();
  const engines = await probeEngines();
  const { engine, reason: engineReason } = await chooseEngine('auto', engines);
  const chosen = request === 'auto' ? backends.find((b) => b.available) : backends.find((b) => b.name === request && b.available);
  let ffmpeg: DoctorReport['ffmpeg'];
  try {
    const info = await locateFfmpeg();
    try {
      checkFfmpegVersion(info);
      ffmpeg = { path: info.ffmpeg, version: info.version, ok: true };
    } catch (err) {
      ffmpeg = { path: info.ffmpeg, version: info.version, ok: false, problem: errorMessage(err) };
    }
  } catch (err) {
    ffmpeg = { path: null, problem: errorMessage(err) };
  }
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
    `inference  ${r.engine} (--backend auto: the first available below)`,
    ...r.engines.map((b) => `  ${b.available ? '+' : '-'} ${b.name.padEnd(15)} ${b.detail}${b.autoSkip ? ` (auto skips it: ${b.autoSkip})` : ''}`),
    `tfjs       ${r.backend ?? 'none'} (training and tfjs inference${r.backendRequest === 'auto' ? '; auto: first available of tensorflow-gpu, tensorflow, wasm, cpu' : ''})`,
    `train gpu  ${r.trainWebgpu.available ? '+' : '-'} webgpu ${r.trainWebgpu.detail} (train --backend webgpu)`,
    r.ffmpeg.path === null
      ? `ffmpeg     missing: ${r.ffmpeg.problem}`
      : `ffmpeg     ${r.ffmpeg.version} at ${r.ffmpeg.path}${r.ffmpeg.ok ? '' : ` (${r.ffmpeg.problem})`}`,
  ];
  return lines.join('\n');
}

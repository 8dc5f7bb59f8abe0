import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, readSync } from 'node:fs';
import path from 'node:path';

/**
 * What onnxruntime-node's CUDA provider needs, by name, and which of it this machine has. The provider library
 * (downloaded by onnxruntime-node's install script from the Microsoft.ML.OnnxRuntime.Gpu.Linux NuGet package) is
 * read as an ELF file: its DT_NEEDED entries are the CUDA libraries it links. cuDNN is loaded at run time
 * (dlopen), so it is added by name. Libraries are looked for where the dynamic loader looks: LD_LIBRARY_PATH, the
 * ldconfig cache, and the provider's own folder.
 */

/**
 * Linked by the 1.29 / 1.30 GPU libraries (checked for this project, 2026-12): the NuGet package is built against
 * CUDA 13 despite its `cuda12` install label. Used when the provider is not installed, to say what it will need.
 */
export const EXPECTED_CUDA_LIBS = ['libcudart.so.13', 'libcublas.so.13', 'libcublasLt.so.13', 'libcurand.so.10', 'libcufft.so.12'];
export const CUDNN_LIB = 'libcudnn.so.9';
/** CUDA 13 needs an R580 or newer driver (NVIDIA's CUDA 13.0 release notes, minor-version compatibility table). */
export const MIN_DRIVER = 580;
/** Where a machine with internet gets the runtime libraries without a CUDA install (pip wheels of NVIDIA's). */
export const CUDA_GET_HINT =
  'pip install nvidia-cuda-runtime nvidia-cublas nvidia-curand nvidia-cufft nvidia-cudnn-cu13 (CUDA 13 wheels), then put their lib folders on LD_LIBRARY_PATH; or run in an nvidia/cuda:13.x-cudnn-runtime image';

const CUDA_NAME = /^lib(cudart|cublas|cublasLt|curand|cufft|cudnn|nvinfer|nvrtc|cusparse|cusolver|nvJitLink)\b/;

/** The DT_NEEDED names of a 64-bit little-endian ELF shared object; empty when it is not one. */
export function elfNeeded(file: string): string[] {
  const fd = openSync(file, 'r');
  try {
    const head = Buffer.alloc(64);
    readSync(fd, head, 0, 64, 0);
    if (head.readUInt32BE(0) !== 0x7f454c46 || head[4] !== 2 || head[5] !== 1) return [];
    const shoff = Number(head.readBigUInt64LE(0x28));
    const shentsize = head.readUInt16LE(0x3a);
    const shnum = head.readUInt16LE(0x3c);
    const sections = Buffer.alloc(shentsize * shnum);
    readSync(fd, sections, 0, sections.length, shoff);
    const section = (i: number) => {
      const o = i * shentsize;
      return { type: sections.readUInt32LE(o + 4), offset: Number(sections.readBigUInt64LE(o + 0x18)), size: Number(sections.readBigUInt64LE(o + 0x20)), link: sections.readUInt32LE(o + 0x28) };
    };
    for (let i = 0; i < shnum; i++) {
      const dyn = section(i);
      if (dyn.type !== 6) continue; // SHT_DYNAMIC
      const strtab = section(dyn.link);
      const dynData = Buffer.alloc(dyn.size);
      readSync(fd, dynData, 0, dyn.size, dyn.offset);
      const strs = Buffer.alloc(strtab.size);
      readSync(fd, strs, 0, strtab.size, strtab.offset);
      const out: string[] = [];
      for (let o = 0; o + 16 <= dyn.size; o += 16) {
        const tag = Number(dynData.readBigInt64LE(o));
        if (tag === 0) break;
        if (tag !== 1) continue; // DT_NEEDED
        const at = Number(dynData.readBigUInt64LE(o + 8));
        out.push(strs.toString('latin1', at, strs.indexOf(0, at)));
      }
      return out;
    }
    return [];
  } finally {
    closeSync(fd);
  }
}

/** Folders the dynamic loader searches, and the ldconfig cache's name -> path. */
function loaderView(extraDir: string): { dirs: string[]; cache: Map<string, string> } {
  const dirs = [...(process.env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean), extraDir];
  const cache = new Map<string, string>();
  try {
    const out = execFileSync('ldconfig', ['-p'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], env: { ...process.env, LC_ALL: 'C' } });
    for (const m of out.matchAll(/^\s*(\S+) \(([^)]*)\) => (\S+)$/gm)) if (m[2].includes('x86-64')) cache.set(m[1], m[3]);
  } catch {
    // No ldconfig (some minimal images): LD_LIBRARY_PATH and the standard folders still count.
  }
  dirs.push('/usr/lib/x86_64-linux-gnu', '/usr/local/cuda/lib64', '/usr/lib64');
  return { dirs, cache };
}

export interface CudaLibraryReport {
  found: { name: string; path: string }[];
  missing: string[];
  /** "needs libcudart.so.13 (missing), ...; driver 575 < 580" in one line. */
  summary: string;
  driver?: string;
}

/** The NVIDIA kernel driver's version, when one is loaded. */
export function nvidiaDriverVersion(): string | undefined {
  try {
    return /Kernel Module\s+(?:for \S+\s+)?(\d+\.\d+(?:\.\d+)?)/.exec(readFileSync('/proc/driver/nvidia/version', 'utf8'))?.[1];
  } catch {
    return undefined;
  }
}

/** Which CUDA libraries the provider needs, found or missing by name, and the driver against its minimum. */
export function cudaLibraryReport(providerFile: string): CudaLibraryReport {
  const needed = existsSync(providerFile) ? elfNeeded(providerFile).filter((n) => CUDA_NAME.test(n)) : EXPECTED_CUDA_LIBS;
  const names = [...new Set([...needed, CUDNN_LIB])];
  const { dirs, cache } = loaderView(path.dirname(providerFile));
  const found: CudaLibraryReport['found'] = [];
  const missing: string[] = [];
  for (const name of names) {
    const at = dirs.map((d) => path.join(d, name)).find((p) => existsSync(p)) ?? cache.get(name);
    if (at) found.push({ name, path: at });
    else missing.push(name);
  }
  const driver = nvidiaDriverVersion();
  const driverNote = driver === undefined ? 'no NVIDIA driver loaded' : Number.parseInt(driver, 10) < MIN_DRIVER ? `driver ${driver} < ${MIN_DRIVER} (too old for CUDA 13)` : `driver ${driver}`;
  const summary = missing.length
    ? `missing ${missing.join(', ')} (found ${found.map((f) => f.name).join(', ') || 'none'}); ${driverNote}; get them with: ${CUDA_GET_HINT}`
    : `found ${found.map((f) => f.name).join(', ')}; ${driverNote}`;
  return { found, missing, summary, driver };
}

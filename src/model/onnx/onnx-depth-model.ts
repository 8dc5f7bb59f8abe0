import { existsSync } from 'node:fs';
import os from 'node:os';
import { DepthkitError, errorMessage } from '../../errors.js';
import type { DepthMap, RgbImage } from '../../metrics/types.js';
import { readCheckpoint } from '../checkpoint.js';
import { configProblem, type ModelConfig } from '../config.js';
import type { DepthModel } from '../depth-model.js';
import { loadModelWeights, resolveClipPath, type ModelFiles } from '../load-weights.js';
import { cacheKey, onnxCache, onnxCacheDir } from './cache.js';
import { EXPORT_VERSION, exportOnnx } from './export.js';
import type { OnnxProvider } from './session.js';
import { SessionThread } from './session-thread.js';

export interface OnnxDepthOptions extends ModelFiles {
  provider?: OnnxProvider;
  /** Intra-op threads of the one session; default: every core. */
  threads?: number;
  /** Frames per session run (the graph has a dynamic batch axis). */
  batch?: number;
  /** Where exported graphs are kept; false builds in memory only. Default: onnxCacheDir(). */
  cacheDir?: string | false;
  /** Verbose notes: which graph was used (built or cached) and how long it took. */
  log?: (line: string) => void;
}

/**
 * Frames per run when a caller hands over several (predict, eval --checkpoint). Measured on an idle 2-core machine
 * (test/bench/onnx.ts, ViT-B/16 224x224, 2 threads): a batch of 4 ran at 2.24x the throughput of single frames,
 * which at 197 tokens leave the second thread mostly idle (an earlier run under heavy load had shown the opposite).
 */
const DEFAULT_BATCH = 4;
/** On a GPU engine a batch of 8 keeps the device busy between the host's copies (unmeasured on a real GPU). */
const GPU_BATCH = 8;

/** The checkpoint's config at the requested input size, read without touching the (large) CLIP file. */
function readConfig(files: ModelFiles): ModelConfig {
  if (!existsSync(files.checkpoint)) {
    throw new DepthkitError(`checkpoint not found at ${files.checkpoint}: create one with depthkit model init (see README, Model weights)`);
  }
  const { config } = readCheckpoint(files.checkpoint);
  const sized = files.inputSize ? { ...config, inputSize: { ...files.inputSize } } : config;
  const problem = configProblem(sized);
  if (problem) throw new DepthkitError(problem, { file: files.checkpoint });
  return sized;
}

async function build(files: ModelFiles, log: (line: string) => void, why: string): Promise<Uint8Array> {
  const started = performance.now();
  const loaded = loadModelWeights(files);
  const bytes = await exportOnnx(loaded.weights, loaded.config);
  log(`onnx: built the graph in ${((performance.now() - started) / 1000).toFixed(2)} s (${why}), ${(bytes.length / 2 ** 20).toFixed(1)} MiB`);
  return bytes;
}

/**
 * A session for the model, in its own thread (session-thread.ts): from the cache when an intact file is there, else
 * exported now (and cached).
 */
async function openSession(opts: OnnxDepthOptions, config: ModelConfig, clip: string): Promise<SessionThread> {
  const log = opts.log ?? (() => {});
  const files: ModelFiles = { checkpoint: opts.checkpoint, clip, inputSize: config.inputSize };
  const session = (bytes: Uint8Array) => SessionThread.open(bytes, { provider: opts.provider, threads: opts.threads });
  if (opts.cacheDir === false) return session(await build(files, log, 'cache off'));

  const started = performance.now();
  const key = await cacheKey({ checkpoint: opts.checkpoint, clip, inputSize: config.inputSize, version: EXPORT_VERSION });
  const cache = onnxCache(opts.cacheDir ?? onnxCacheDir(), key);
  const hit = await cache.read();
  let why = 'problem' in hit ? hit.problem : '';
  if ('bytes' in hit) {
    try {
      const s = await session(hit.bytes);
      log(`onnx: reused ${cache.file} (hashed and verified in ${((performance.now() - started) / 1000).toFixed(2)} s)`);
      return s;
    } catch (err) {
      why = `cached file failed to load: ${errorMessage(err).split('\n')[0]}`;
    }
  }
  const bytes = await build(files, log, why);
  try {
    await cache.write(bytes);
    log(`onnx: cached at ${cache.file}`);
  } catch (err) {
    log(`onnx: could not cache the graph (${errorMessage(err)}); using it from memory`);
  }
  return session(bytes);
}

/** The built-in CLIP + mirror model on ONNX Runtime: one session in its own thread, all cores, uint8 frames in, metres out. */
export async function loadOnnxDepthModel(opts: OnnxDepthOptions): Promise<DepthModel> {
  const clip = resolveClipPath(opts.clip);
  const config = readConfig(opts);
  const provider = opts.provider ?? 'cpu';
  const threads = opts.threads ?? os.availableParallelism();
  const batch = Math.max(1, opts.batch ?? (provider === 'cpu' ? DEFAULT_BATCH : GPU_BATCH));
  const session = await openSession({ ...opts, provider, threads }, config, clip);
  const { width, height } = config.inputSize;
  const px = width * height;

  async function run(frames: RgbImage[]): Promise<DepthMap[]> {
    const input = new Uint8Array(frames.length * px * 3);
    frames.forEach((f, b) => {
      if (f.width !== width || f.height !== height || f.data.length !== px * 3) {
        throw new DepthkitError(`frame ${b} is ${f.width}x${f.height}; the model takes ${width}x${height} RGB`);
      }
      input.set(f.data, b * px * 3);
    });
    const { data } = await session.run({ type: 'uint8', data: input, dims: [frames.length, height, width, 3] });
    return frames.map((_, b) => ({ data: data.slice(b * px, (b + 1) * px), width, height }));
  }

  return {
    description: `CLIP ${config.clip.variant} + mirror (${config.mirror.tokens} tokens), onnxruntime ${provider === 'cpu' ? `cpu x${threads} threads` : provider}, batches of ${batch}`,
    inputSize: { width, height },
    batch,
    async predict(frames) {
      const out: DepthMap[] = [];
      for (let i = 0; i < frames.length; i += batch) out.push(...(await run(frames.slice(i, i + batch))));
      return out;
    },
    dispose: () => session.release(),
  };
}

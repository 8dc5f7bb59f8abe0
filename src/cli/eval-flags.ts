import { Flags } from '@oclif/core';
import { shardFlag } from './flags.js';
import { ENGINE_REQUESTS } from '../model/engine-names.js';

/** `depthkit eval` on images (folders, --dataset kitti|nyu). */
export const imageEvalFlags = {
  'skip-invalid': Flags.boolean({ description: 'drop images whose ground truth has no valid pixel instead of failing', default: false }),
  concurrency: Flags.integer({ description: 'images read and evaluated at once (default: 2 per core)', min: 1 }),
};

/** `depthkit eval` benchmark mode (`--dataset` with `--data-path`): split, sharding and the built-in model. */
export const benchmarkFlags = {
  'data-path': Flags.string({ description: 'benchmark mode: the dataset folder (BTS layout) or, for NYU, nyu_depth_v2_labeled.mat', dependsOn: ['dataset'] }),
  'gt-path': Flags.string({ description: 'benchmark mode: ground-truth folder when not --data-path (BTS --gt_path)', dependsOn: ['data-path'] }),
  split: Flags.string({ description: 'KITTI list: eigen (697, 45 without ground truth skipped) or eigen_benchmark (652)', options: ['eigen', 'eigen_benchmark'], default: 'eigen' }),
  limit: Flags.integer({ description: 'benchmark mode: the first N images of the split only', min: 1 }),
  shard: shardFlag({ description: 'benchmark mode: contiguous part i of n, e.g. 2/4 (combine with depthkit merge)' }),
  resume: Flags.boolean({ description: 'both modes: continue an interrupted run from <out>/per_image.partial.csv (the same settings), skipping the images it holds', default: false }),
  'allow-missing': Flags.boolean({ description: 'benchmark mode: evaluate the images present, count the missing ones', default: false }),
  checkpoint: Flags.string({ description: 'benchmark mode: predict with the built-in model instead of --pred', exclusive: ['pred'] }),
  clip: Flags.string({ description: 'CLIP model.safetensors for --checkpoint (default: $DEPTHKIT_CLIP)' }),
  backend: Flags.string({ description: 'engine for --checkpoint', options: [...ENGINE_REQUESTS], default: 'auto' }),
  workers: Flags.integer({ description: 'tfjs wasm/cpu: model copies in worker threads', min: 1 }),
};

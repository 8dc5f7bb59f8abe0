import { Flags } from '@oclif/core';
import { VIDEO_BENCHMARKS, WINDOWS } from '../data/video-benchmarks/presets.js';

/** `depthkit eval --dataset sintel,scannet,...`: the video benchmarks' own flags (docs/datasets.md). */
export const videoBenchmarkFlags = {
  // Replaces protocolFlags' --dataset: a comma list of video benchmarks, or kitti / nyu alone.
  dataset: Flags.string({ description: `kitti | nyu (single-image protocols), or video benchmarks, comma-separated: ${VIDEO_BENCHMARKS.join(', ')}` }),
  window: Flags.string({ description: 'video benchmarks: frame windows, video (~110 frames, like DepthCrafter) or 500', options: [...WINDOWS], default: 'video' }),
  'pred-kind': Flags.string({ description: 'video benchmarks: predictions are disparity (the reference) or depth (inverted before the fit)', options: ['disparity', 'depth'], default: 'disparity' }),
  'shard-count': Flags.integer({ description: '--shard auto (Slurm array, Kubernetes Indexed Job, GitLab, CI matrix; docs/datasets.md): the number of shards where the scheduler does not say', min: 1 }),
};

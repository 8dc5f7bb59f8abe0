import { Flags } from '@oclif/core';
import { floatFlag } from './flags.js';
import { resolveProtocol, type EvalProtocol } from '../eval/protocol.js';
import type { CropName } from '../metrics/crop.js';
import type { AlignMode, AlignSpace } from '../metrics/align.js';

/** The flags that decide what an accuracy number means; shared by `eval` and `video`. */
export const protocolFlags = {
  dataset: Flags.string({ description: 'protocol defaults: kitti = garg crop, 1e-3..80 m, gt/256; nyu = eigen crop, 1e-3..10 m, gt/1000', options: ['kitti', 'nyu'] }),
  crop: Flags.string({ description: 'evaluation crop', options: ['none', 'garg', 'eigen'] }),
  'min-depth': floatFlag({ description: 'minimum valid depth in metres (exclusive)' }),
  'max-depth': floatFlag({ description: 'maximum valid depth in metres (exclusive); predictions are clamped to it' }),
  align: Flags.string({ description: 'alignment of relative predictions', options: ['none', 'median', 'scale', 'scale-shift'] }),
  'align-space': Flags.string({ description: 'least-squares space for scale / scale-shift', options: ['depth', 'disparity'] }),
  'pred-scale': floatFlag({ description: 'raw prediction values are divided by this (default 1)' }),
  'gt-scale': floatFlag({ description: 'raw ground-truth PNG values are divided by this (default 256 kitti, 1000 nyu, else 1)' }),
};

type ProtocolFlagValues = {
  dataset?: string;
  crop?: string;
  'min-depth'?: number;
  'max-depth'?: number;
  align?: string;
  'align-space'?: string;
  'pred-scale'?: number;
  'gt-scale'?: number;
};

export function protocolFromFlags(flags: ProtocolFlagValues): EvalProtocol {
  return resolveProtocol({
    dataset: flags.dataset as 'kitti' | 'nyu' | undefined,
    crop: flags.crop as CropName | undefined,
    minDepth: flags['min-depth'],
    maxDepth: flags['max-depth'],
    align: flags.align as AlignMode | undefined,
    alignSpace: flags['align-space'] as AlignSpace | undefined,
    predScale: flags['pred-scale'],
    gtScale: flags['gt-scale'],
  });
}

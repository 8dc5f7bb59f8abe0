import type { FuzzTarget } from './harness.js';
import { npyTarget, npzTarget, safetensorsTarget } from './targets-array.js';
import { floTarget, pfmTarget, png16Target } from './targets-image.js';
import { btsSplitTarget, configTarget, csvTarget, intrinsicsTarget, monodepthSplitTarget, posesTarget } from './targets-text.js';

/** Every file reader depthkit exposes to user input, by the name the runner takes. */
export const TARGETS: FuzzTarget[] = [
  npyTarget, npzTarget, png16Target, pfmTarget, floTarget, safetensorsTarget,
  csvTarget, btsSplitTarget, monodepthSplitTarget, intrinsicsTarget, posesTarget, configTarget,
];

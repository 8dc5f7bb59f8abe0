import type { MetricName } from '../metrics/accuracy.js';

/** The columns of the papers' result tables, in their order (KITTI: Eigen et al. / monodepth2; NYU: BTS, AdaBins). */
export const PAPER_COLUMNS: Record<'kitti' | 'nyu', readonly MetricName[]> = {
  kitti: ['abs_rel', 'sq_rel', 'rmse', 'rmse_log', 'd1', 'd2', 'd3'],
  nyu: ['abs_rel', 'rmse', 'log10', 'd1', 'd2', 'd3'],
};

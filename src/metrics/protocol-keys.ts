/**
 * Fields of a run's protocol record (CSV sidecars, run.json `protocol`) that change what a number means: two CSVs
 * whose values differ in one of them are not comparable, and `depthkit compare` says so. Every protocol writer
 * (eval's protocolRecord, video's run record) writes only keys from this list (video's is type-checked against it;
 * test/ci/protocol-keys.test.ts checks both), so a key added to a writer is compared once it is added here.
 */
export const PROTOCOL_KEYS = [
  'dataset',
  'crop',
  'min_depth',
  'max_depth',
  'align',
  'align_space',
  'align_scope',
  'gt_scale',
  'pred_scale',
  'depth_scale',
  'depth_kind',
  'convention',
  'count',
  'analysis_size',
  'flow',
  'temporal',
  'tae',
  // The published-script conventions (--protocol and one flag each, src/eval/protocol.ts conventionRecord/scriptRecord).
  'protocol',
  'pred_layout',
  'resize_space',
  'resize_grid',
  'resize_precision',
  'gt_cap_mask',
  'median_pixels',
  'nan_pred',
  'tae_zbuffer',
  'pool',
  'script',
  'script_repo',
  'script_commit',
  'script_files',
] as const;

export type ProtocolKey = (typeof PROTOCOL_KEYS)[number];

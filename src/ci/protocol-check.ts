import type { CsvMeta } from '../io/csv.js';

/** Sidecar fields that change what a number means; a difference makes two CSVs incomparable. */
export const PROTOCOL_KEYS = ['dataset', 'crop', 'min_depth', 'max_depth', 'align', 'align_space', 'align_scope', 'gt_scale', 'convention', 'count'];

export interface ProtocolDifference {
  field: string;
  baseline: string;
  candidate: string;
}

function show(v: CsvMeta[string] | undefined): string {
  return v === undefined ? '(absent)' : String(v);
}

/** Fields of PROTOCOL_KEYS that differ between two sidecars; empty when either sidecar is missing. */
export function protocolDifferences(baseline?: CsvMeta, candidate?: CsvMeta): ProtocolDifference[] {
  if (!baseline || !candidate) return [];
  return PROTOCOL_KEYS.filter((k) => (k in baseline || k in candidate) && show(baseline[k]) !== show(candidate[k]))
    .map((field) => ({ field, baseline: show(baseline[field]), candidate: show(candidate[field]) }));
}

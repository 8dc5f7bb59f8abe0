import type { CsvMeta } from '../io/csv.js';
import { PROTOCOL_KEYS } from '../metrics/protocol-keys.js';

export { PROTOCOL_KEYS };

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

export interface BenchRow {
  name: string;
  value: number;
  unit: string;
  /** The target, for the reader (e.g. ">= 1.7"); never asserted. */
  target?: string;
}

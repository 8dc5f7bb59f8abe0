import { DepthkitError } from '../errors.js';
import { mapConcurrent } from '../eval/concurrency.js';
import type { SplitEntry } from './split.js';

export interface MissingEntry {
  entry: SplitEntry;
  files: string[];
}

/** How many missing files an error lists before it gives the count only. */
const SHOWN = 5;

/** Every entry with at least one absent file, in split order; `lookup` says which files an entry lacks. */
export async function findMissing(
  entries: readonly SplitEntry[],
  lookup: (entry: SplitEntry) => Promise<string[]>,
  concurrency = 32,
): Promise<MissingEntry[]> {
  const files = await mapConcurrent(entries, concurrency, lookup);
  return entries.map((entry, i) => ({ entry, files: files[i] })).filter((m) => m.files.length > 0);
}

/** One line: how many are missing, the first few by full path, and the way out. */
export function missingError(missing: readonly MissingEntry[], total: number, what: string): DepthkitError {
  const files = missing.flatMap((m) => m.files);
  const shown = files.slice(0, SHOWN).join(', ');
  const more = files.length > SHOWN ? ` and ${files.length - SHOWN} more` : '';
  return new DepthkitError(
    `${missing.length} of ${total} ${what} lack files: ${shown}${more} (check the path, or pass --allow-missing to evaluate the rest)`,
  );
}

import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';

/** Hidden temp files of writeFileAtomic (`.<name>.tmp-<pid>-<hex>`): the only partial files a kill may leave. */
export const ATOMIC_TEMP = /^\..+\.tmp-\d+-[0-9a-f]{8}$/;

/**
 * Every file under `dir` (relative paths, sorted), with writeFileAtomic's leftover temp files listed apart. Safe to
 * call on a folder a running command is writing (entries that vanish while listed are left out).
 */
export function listOutputs(dir: string): { files: string[]; temps: string[] } {
  const files: string[] = [];
  const temps: string[] = [];
  const walk = (sub: string) => {
    let names: string[];
    try {
      names = readdirSync(path.join(dir, sub));
    } catch {
      return;
    }
    for (const name of names.sort()) {
      const rel = path.join(sub, name);
      // Polled while the command runs, a temp file can be renamed away between readdir and stat: it is not there.
      const st = statSync(path.join(dir, rel), { throwIfNoEntry: false });
      if (!st) continue;
      if (st.isDirectory()) walk(rel);
      else (ATOMIC_TEMP.test(name) ? temps : files).push(rel);
    }
  };
  walk('');
  return { files, temps };
}

import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

/** Each module checked and loaded once: a row's timing never includes the check or the loading. */
const modules = new Map<string, Promise<unknown>>();

/**
 * A module of the compiled build (dist/, what bin/run.js runs), for the rows that time `depthkit video`: under tsx
 * every worker thread compiles its TypeScript as it starts (the flow worker ~0.4 s of CPU against ~0.1 s compiled,
 * inside the timed run), which users never pay. `npm run bench` builds dist/ first; a build older than src/ or wasm/
 * is refused rather than timed.
 */
export function compiled<T>(module: string): Promise<T> {
  let loaded = modules.get(module);
  if (!loaded) {
    const file = path.join(ROOT, 'dist', module);
    const built = statSync(file, { throwIfNoEntry: false })?.mtimeMs ?? 0;
    if (built < Math.max(newest(path.join(ROOT, 'src')), newest(path.join(ROOT, 'wasm')))) {
      throw new Error(`dist/${module} is missing or older than src/: run npm run build (npm run bench does it first)`);
    }
    loaded = import(pathToFileURL(file).href);
    modules.set(module, loaded);
  }
  return loaded as Promise<T>;
}

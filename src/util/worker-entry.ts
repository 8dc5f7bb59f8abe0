import { Worker } from 'node:worker_threads';

/**
 * Starts the worker script `name` (no extension) that sits next to the module `from` (its import.meta.url): the
 * compiled `.js` from dist/; under tsx (tests, bin/dev.js) the `.ts` source, for which the thread first registers
 * tsx's loader, because Node 20 does not apply `--import tsx` to a worker's entry.
 */
export function startWorker(from: string, name: string): Worker {
  if (!from.endsWith('.ts')) return new Worker(new URL(`./${name}.js`, from));
  const api = import.meta.resolve('tsx/esm/api');
  const entry = new URL(`./${name}.ts`, from).href;
  const code = `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(code, { eval: true });
}

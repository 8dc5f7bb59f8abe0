/**
 * `npm run bench [section ...]`: measures speed and memory as ratios within one run (never as test assertions).
 * Sections: eval, model, onnx, video, decode (the embedded vs command-line FFmpeg rows of video, alone), flow, memory,
 * video-benchmarks (add more in test/bench/). Results are printed and saved to .bench/results.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import type { BenchRow } from './types.js';

const sections: Record<string, () => Promise<BenchRow[]>> = {
  eval: async () => (await import('./eval.js')).benchEval(),
  model: async () => (await import('./model.js')).benchModel(),
  onnx: async () => (await import('./onnx.js')).benchOnnx(),
  video: async () => [...(await (await import('./video-decode.js')).benchDecode()), ...(await (await import('./video.js')).benchVideo())],
  decode: async () => (await import('./video-decode.js')).benchDecode(),
  flow: async () => (await import('./flow.js')).benchFlow(),
  memory: async () => (await import('./memory.js')).benchMemory(),
  'video-benchmarks': async () => (await import('./video-benchmarks.js')).benchVideoBenchmarks(),
};

const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const names = wanted.length ? wanted : Object.keys(sections);
const all: (BenchRow & { section: string })[] = [];
console.log(`depthkit bench on ${os.cpus()[0]?.model ?? 'cpu'} x${os.availableParallelism()}, node ${process.version}`);
for (const name of names) {
  const run = sections[name];
  if (!run) throw new Error(`unknown bench section ${name} (have: ${Object.keys(sections).join(', ')})`);
  console.log(`\n## ${name}`);
  for (const row of await run()) {
    all.push({ section: name, ...row });
    const target = row.target ? `   target ${row.target}` : '';
    console.log(`${row.name.padEnd(58)} ${fmt(row.value).padStart(10)} ${row.unit}${target}`);
  }
}
mkdirSync('.bench', { recursive: true });
writeFileSync('.bench/results.json', JSON.stringify({ date: new Date().toISOString(), cpus: os.availableParallelism(), rows: all }, null, 2));

function fmt(v: number): string {
  return Math.abs(v) >= 100 ? v.toFixed(1) : v.toFixed(3);
}

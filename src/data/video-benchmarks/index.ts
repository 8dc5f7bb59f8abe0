import path from 'node:path';
import { FormatError } from '../../errors.js';
import { exists, pySlice, type BenchmarkSequence } from './sequence.js';
import { PRESETS, presetWindow, type VideoBenchmark, type WindowName } from './presets.js';
import { readVdaJson } from './vda-json.js';
import { isSintelNative, readSintelNative } from './sintel.js';
import { isScannetNative, readScannetNative } from './scannet.js';
import { isBonnNative, readBonnNative } from './bonn.js';

export { type BenchmarkSequence, type BenchmarkFrame } from './sequence.js';

const NATIVE: Partial<Record<string, { is: (root: string) => Promise<boolean>; read: typeof readSintelNative }>> = {
  sintel: { is: isSintelNative, read: readSintelNative },
  scannet: { is: isScannetNative, read: readScannetNative },
  bonn: { is: isBonnNative, read: readBonnNative },
};

/** `<data>/<folder>` when it exists (a benchmark root holding every dataset), else `<data>` itself. */
export async function datasetRoot(dataPath: string, dataset: VideoBenchmark): Promise<string> {
  const sub = path.join(dataPath, PRESETS[dataset].folder);
  return (await exists(sub)) ? sub : dataPath;
}

/**
 * The sequences of one benchmark under a window, each cut to the frames the reference evaluates (its list, then
 * [first : first + cap]). The reference json is read when present, else the dataset's native layout.
 */
export async function listBenchmarkSequences(dataPath: string, dataset: VideoBenchmark, window: WindowName): Promise<BenchmarkSequence[]> {
  const preset = PRESETS[dataset];
  const w = presetWindow(preset, window);
  const root = await datasetRoot(dataPath, dataset);
  let sequences: BenchmarkSequence[];
  if (await exists(path.join(root, w.json))) sequences = await readVdaJson(preset, root, w);
  else {
    const native = NATIVE[preset.folder];
    if (!native || !(await native.is(root))) {
      const layouts = native ? `${w.json} nor the native ${preset.folder} layout` : w.json;
      throw new FormatError(path.join(root, w.json), `${dataset}: missing; found neither ${layouts} in ${root}`);
    }
    sequences = await native.read(preset, root, w);
  }
  if (sequences.length === 0) throw new FormatError(root, `${dataset}: no sequence found`);
  return sequences
    .slice(0, preset.sequences ?? sequences.length)
    .map((s) => ({ ...s, root, offset: w.first, listed: s.frames.length, frames: pySlice(s.frames, w.first, w.first + w.cap, 1) }));
}

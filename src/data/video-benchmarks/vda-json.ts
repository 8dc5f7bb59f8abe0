import { promises as fs } from 'node:fs';
import path from 'node:path';
import { FormatError } from '../../errors.js';
import { type BenchmarkFrame, type BenchmarkSequence, intrinsicsOf } from './sequence.js';
import type { BenchmarkPreset, FrameWindow } from './presets.js';

/**
 * The lists Video Depth Anything's dataset_extract/eval_utils.py (gen_json, gen_json_scannet_tae) writes:
 * { "<dataset>": [ { "<sequence>": [ { "image", "gt_depth", "factor", ("K", "pose") }, ... ] }, ... ] }, paths
 * relative to the dataset folder that holds the json.
 */
function matrix(v: unknown, n: number): number[][] | undefined {
  if (!Array.isArray(v) || v.length !== n) return undefined;
  if (!v.every((r) => Array.isArray(r) && r.length === n && r.every((x) => typeof x === 'number' && Number.isFinite(x)))) return undefined;
  return v as number[][];
}

function frameOf(entry: unknown, root: string, file: string, where: string): BenchmarkFrame {
  const e = (entry ?? {}) as Record<string, unknown>;
  if (typeof e.image !== 'string' || typeof e.gt_depth !== 'string') throw new FormatError(file, `${where}: an entry needs "image" and "gt_depth" strings`);
  if (typeof e.factor !== 'number' || !(e.factor > 0)) throw new FormatError(file, `${where}: "factor" must be a positive number`);
  const frame: BenchmarkFrame = { image: e.image, gt: path.join(root, e.gt_depth), factor: e.factor };
  if (e.K !== undefined || e.pose !== undefined) {
    const K = matrix(e.K, 3) ?? matrix(e.K, 4);
    const pose = matrix(e.pose, 4);
    if (!K || !pose) throw new FormatError(file, `${where}: "K" must be 3x3 or 4x4 and "pose" 4x4 numbers`);
    frame.K = intrinsicsOf(K);
    frame.pose = Float64Array.from(pose.flat());
  }
  return frame;
}

export async function readVdaJson(preset: BenchmarkPreset, root: string, window: FrameWindow): Promise<BenchmarkSequence[]> {
  const file = path.join(root, window.json);
  let doc: unknown;
  try {
    doc = JSON.parse(await fs.readFile(file, 'utf8'));
  } catch (err) {
    throw new FormatError(file, `${preset.name}: ${(err as Error).message}`);
  }
  const list = (doc as Record<string, unknown> | null)?.[preset.folder];
  if (!Array.isArray(list)) throw new FormatError(file, `${preset.name}: no "${preset.folder}" list (is it a Video Depth Anything benchmark json?)`);
  const sequences: BenchmarkSequence[] = [];
  for (const item of list) {
    if (!item || typeof item !== 'object') throw new FormatError(file, `${preset.name}: list items must be {"<sequence>": [frames]}`);
    for (const [name, frames] of Object.entries(item)) {
      if (!Array.isArray(frames)) throw new FormatError(file, `${preset.name}/${name}: frames must be a list`);
      sequences.push({
        dataset: preset.name,
        name,
        frames: frames.map((f, i) => frameOf(f, root, file, `${preset.name}/${name} frame ${i}`)),
        source: path.join(preset.folder, window.json),
      });
    }
  }
  return sequences;
}

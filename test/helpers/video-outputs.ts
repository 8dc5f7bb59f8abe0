import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { readCsv } from '../../src/io/csv.js';
import { listOutputs } from './crash.js';

/** What a `depthkit video` run folder must look like (taken from an uninterrupted run). */
export interface VideoFolderSpec {
  frameColumns: string[];
  summaryColumns: string[];
  models: string[];
  /** Analysis size: the size of every saved depth map, and half the preview's width. */
  width: number;
  height: number;
}

/** Frames ffmpeg decodes from a video; any decode error fails the assertion. */
export function decodedFrames(file: string): number {
  const r = spawnSync('ffmpeg', ['-v', 'error', '-i', file, '-f', 'framemd5', '-'], { encoding: 'utf8' });
  assert.equal(r.status, 0, `${file} does not decode: ${r.stderr}`);
  assert.equal(r.stderr.trim(), '', `${file} decodes with errors: ${r.stderr}`);
  return r.stdout.split('\n').filter((l) => l && !l.startsWith('#')).length;
}

const DEPTH_PNG = /^depth\/\d{6}\.png$/;
const PLOT_PNG = /^plots\/[a-z0-9_]+\.png$/;

/**
 * Checks that every file of a run folder is complete and valid, whatever moment the run was stopped at: CSVs parse
 * with their columns and one row per model and frame, sidecars and run.json parse, depth/*.png decode as 16-bit
 * single-channel maps, plots decode, preview.mp4 decodes. Every file that counts frames must count the same
 * number; that number is returned (undefined when no file counts them). Unknown files fail the check.
 */
export async function checkVideoFolder(out: string, spec: VideoFolderSpec): Promise<{ files: string[]; temps: string[]; frames?: number }> {
  const { files, temps } = listOutputs(out);
  const counts: [string, number][] = [];
  for (const rel of files) {
    const file = path.join(out, rel);
    if (rel === 'frames.csv' || rel === 'summary.csv') {
      const table = await readCsv(file);
      assert.deepEqual(table.columns, rel === 'frames.csv' ? spec.frameColumns : spec.summaryColumns, `${rel} columns`);
      const models = table.rows.map((r) => r.model);
      if (rel === 'summary.csv') {
        assert.deepEqual(models, spec.models, `${rel} models`);
        for (const r of table.rows) counts.push([`${rel} ${r.model}`, Number(r.frames)]);
      } else {
        for (const m of spec.models) {
          const frames = table.rows.filter((r) => r.model === m).map((r) => Number(r.frame));
          assert.deepEqual(frames, frames.map((_, i) => i), `${rel}: frames of ${m} are 0..n-1 in order`);
          counts.push([`${rel} ${m}`, frames.length]);
        }
      }
    } else if (rel.endsWith('.meta.json')) {
      assert.ok(files.includes(rel.slice(0, -'.meta.json'.length)), `${rel} describes a CSV that exists`);
      JSON.parse(readFileSync(file, 'utf8'));
    } else if (rel === 'run.json') {
      const run = JSON.parse(readFileSync(file, 'utf8'));
      assert.equal(run.kind, 'video');
      counts.push([rel, run.frames_done]);
    } else if (rel === 'preview.mp4') {
      counts.push([rel, decodedFrames(file)]);
    } else if (DEPTH_PNG.test(rel)) {
      const meta = await sharp(file).metadata();
      assert.deepEqual([meta.format, meta.depth, meta.channels, meta.width, meta.height], ['png', 'ushort', 1, spec.width, spec.height], rel);
      await sharp(file).raw({ depth: 'ushort' }).toBuffer();
    } else if (PLOT_PNG.test(rel)) {
      await sharp(file).raw().toBuffer();
    } else {
      assert.fail(`unexpected file ${rel} in ${out}`);
    }
  }
  const agreed = new Set(counts.map(([, n]) => n));
  assert.ok(agreed.size <= 1, `files disagree on the frame count: ${counts.map(([w, n]) => `${w}=${n}`).join(', ')}`);
  return { files, temps, frames: counts[0]?.[1] };
}

import { promises as fs } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { loadCiConfig, type CiConfig } from '../../src/ci/config.js';
import { parseBtsSplit, parseMonodepthSplit, type SplitList } from '../../src/data/split.js';
import { readCsv, type CsvTable } from '../../src/io/csv.js';
import type { Intrinsics } from '../../src/metrics/tae.js';
import { readIntrinsics, readPoses } from '../../src/synth/calib.js';
import { defineTarget } from './harness.js';
import { byteMutation, mutation, mutations, textMutation, textPreserving } from './mutations.js';

const text = (s: string) => Uint8Array.from(Buffer.from(s, 'utf8'));
const faults = mutations(textMutation, textMutation, textPreserving, byteMutation);

export const csvTarget = defineTarget<CsvTable>({
  name: 'csv',
  ext: 'csv',
  seeds: [
    {
      bytes: text('name,abs_rel,d1\nimg_0,0.125,0.9\nimg_1,nan,inf\n"a,""b""",-0,1e-3\n'),
      expected: {
        columns: ['name', 'abs_rel', 'd1'],
        rows: [{ name: 'img_0', abs_rel: '0.125', d1: '0.9' }, { name: 'img_1', abs_rel: 'nan', d1: 'inf' }, { name: 'a,"b"', abs_rel: '-0', d1: '1e-3' }],
        meta: undefined,
      },
    },
  ],
  mutations: faults,
  read: readCsv,
  check: (t) =>
    new Set(t.columns).size !== t.columns.length || t.columns.some((c) => c === '')
      ? `columns ${JSON.stringify(t.columns)}`
      : t.rows.find((r) => Object.keys(r).length !== t.columns.length || t.columns.some((c) => typeof r[c] !== 'string'))
        ? 'a row does not match the header'
        : undefined,
});

const checkSplit = (s: SplitList) =>
  !Number.isInteger(s.noGt) || s.noGt < 0 ? `noGt ${s.noGt}` : s.entries.find((e) => !e.name || !e.rgb || !e.gt || e.gt === 'None') ? 'an entry with an empty path' : undefined;
const parseWith = (parse: (t: string, f: string) => SplitList) => async (file: string) => parse(await fs.readFile(file, 'utf8'), file);

export const btsSplitTarget = defineTarget<SplitList>({
  name: 'split-bts',
  ext: 'txt',
  seeds: [
    {
      bytes: text('bathroom/rgb_00045.jpg bathroom/sync_depth_00045.png 518.8579\nb/rgb_00001.jpg None 518.8579\nk/x.png k/y.png\n'),
      expected: {
        file: '',
        entries: [
          { name: 'bathroom_rgb_00045', rgb: 'bathroom/rgb_00045.jpg', gt: 'bathroom/sync_depth_00045.png' },
          { name: 'k_x', rgb: 'k/x.png', gt: 'k/y.png' },
        ],
        noGt: 1,
      },
    },
  ],
  mutations: faults,
  read: parseWith(parseBtsSplit),
  check: checkSplit,
  stamp: (e, file) => ({ ...e, file }),
});

export const monodepthSplitTarget = defineTarget<SplitList>({
  name: 'split-monodepth',
  ext: 'txt',
  seeds: [
    {
      bytes: text('2011_09_26/2011_09_26_drive_0002_sync 69 l\n2011_09_26/2011_09_26_drive_0002_sync 0000000054 r\n'),
      expected: {
        file: '',
        entries: [
          {
            name: '2011_09_26_2011_09_26_drive_0002_sync_image_02_data_0000000069',
            rgb: '2011_09_26/2011_09_26_drive_0002_sync/image_02/data/0000000069.png',
            gt: '2011_09_26_drive_0002_sync/proj_depth/groundtruth/image_02/0000000069.png',
          },
          {
            name: '2011_09_26_2011_09_26_drive_0002_sync_image_03_data_0000000054',
            rgb: '2011_09_26/2011_09_26_drive_0002_sync/image_03/data/0000000054.png',
            gt: '2011_09_26_drive_0002_sync/proj_depth/groundtruth/image_03/0000000054.png',
          },
        ],
        noGt: 0,
      },
    },
  ],
  mutations: faults,
  read: parseWith(parseMonodepthSplit),
  stamp: (e, file) => ({ ...e, file }),
  check: (s) => checkSplit(s) ?? (s.entries.find((e) => !e.gt.endsWith('.png')) ? 'ground truth is not a png path' : undefined),
});

export const intrinsicsTarget = defineTarget<Intrinsics>({
  name: 'intrinsics',
  ext: 'txt',
  seeds: [
    { bytes: text('721.5377 721.5377 609.5593 172.854\n'), expected: { fx: 721.5377, fy: 721.5377, cx: 609.5593, cy: 172.854 } },
    { bytes: text('518.8579 0 325.5824\n0 519.4696 253.7362\n0 0 1\n'), expected: { fx: 518.8579, fy: 519.4696, cx: 325.5824, cy: 253.7362 } },
  ],
  mutations: faults,
  read: readIntrinsics,
  check: (k) => (!(k.fx > 0 && k.fy > 0) || ![k.fx, k.fy, k.cx, k.cy].every(Number.isFinite) ? `intrinsics ${JSON.stringify(k)}` : undefined),
});

const IDENTITY = '1 0 0 0 0 1 0 0 0 0 1 0';
export const posesTarget = defineTarget<Float64Array[]>({
  name: 'poses',
  ext: 'txt',
  seeds: [
    {
      bytes: text(`${IDENTITY}\n1 0 0 0.5 0 1 0 -0.25 0 0 1 1e-3\n`),
      expected: [Float64Array.from([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]), Float64Array.from([1, 0, 0, 0.5, 0, 1, 0, -0.25, 0, 0, 1, 1e-3, 0, 0, 0, 1])],
    },
  ],
  mutations: faults,
  read: readPoses,
  check: (ps) =>
    ps.length === 0 ? 'no poses' : ps.find((m) => m.length !== 16 || !m.every(Number.isFinite) || m[15] !== 1) ? 'a pose is not a finite 4x4 [R|t; 0 0 0 1]' : undefined,
});

const CONFIG = { tolerances: { abs_rel: 0.002, d1: '1%' }, defaultTolerance: '0.5%', keys: ['model'], gateMode: 'significant', resamples: 1000, seed: 7 };
const FIELDS = [...Object.keys(CONFIG), 'gate', 'baselines', 'confidence', 'unknown', '__proto__', 'constructor'];

/** Sets a top-level or tolerance field to an arbitrary JSON value: the config schema, not the JSON parser, is fuzzed. */
const configField = fc
  .record({ field: fc.constantFrom(...FIELDS, 'tolerances.rmse', 'tolerances.nope', 'tolerances.__proto__'), v: fc.jsonValue({ maxDepth: 2 }) })
  .map(({ field, v }) =>
    mutation('JSON field set', `${field}=${JSON.stringify(v)?.slice(0, 40)}`, (b) => {
      let obj: unknown;
      try {
        obj = JSON.parse(Buffer.from(b).toString('utf8'));
      } catch {
        return b;
      }
      if (!obj || typeof obj !== 'object') return b;
      const [top, sub] = field.split('.');
      const o = obj as Record<string, unknown>;
      if (sub === undefined) Object.defineProperty(o, top, { value: v, enumerable: true, configurable: true, writable: true });
      else {
        const inner = typeof o[top] === 'object' && o[top] !== null ? { ...(o[top] as object) } : {};
        Object.defineProperty(inner, sub, { value: v, enumerable: true, configurable: true, writable: true });
        o[top] = inner;
      }
      return text(JSON.stringify(o));
    }),
  );

export const configTarget = defineTarget<CiConfig | undefined>({
  name: 'config',
  ext: 'json',
  seeds: [
    {
      bytes: text(JSON.stringify(CONFIG, null, 2)),
      expected: {
        tolerances: { abs_rel: { kind: 'abs', value: 0.002 }, d1: { kind: 'rel', percent: 1 } },
        defaultTolerance: { kind: 'rel', percent: 0.5 },
        keys: ['model'],
        gateMode: 'significant',
        resamples: 1000,
        seed: 7,
        source: '',
      },
    },
  ],
  mutations: mutations(textMutation, configField, configField, textPreserving, byteMutation),
  read: (file) => loadCiConfig(path.dirname(file), file),
  stamp: (e, file) => (e ? { ...e, source: file } : e),
  check: (c) =>
    !c ? 'an explicit config read as absent' : Object.values(c.tolerances).some((t) => !t || !('kind' in t)) ? 'a tolerance did not parse' : undefined,
});

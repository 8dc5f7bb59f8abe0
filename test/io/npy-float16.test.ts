import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readNpy } from '../../src/io/npy.js';
import { readDepthMap } from '../../src/io/depth-file.js';

const PYTHON = '/usr/bin/python3';
// numpy writes the float16 arrays (both byte orders, Fortran order, every class of value) and says what they are
// in float64: numpy's own half -> double conversion is the reference.
const SCRIPT = `
import json, sys, numpy as np
out = sys.argv[1]
bits = np.array([0x0000, 0x8000, 0x0001, 0x03ff, 0x0400, 0x3c00, 0xbc00, 0x3555, 0x7bff, 0xfbff, 0x7c00, 0xfc00, 0x7e00, 0x4248, 0x5640, 0x1234], dtype='<u2')
le = bits.view('<f2').reshape(4, 4)
np.save(out + '/f2_le.npy', le)
np.save(out + '/f2_be.npy', le.astype('>f2'))
np.save(out + '/f2_fortran.npy', np.asfortranarray(le))
depth = (np.arange(12, dtype='<f4').reshape(3, 4) * 0.37 + 0.5).astype('<f2')
np.save(out + '/depth_f2.npy', depth)
enc = lambda a: [None if np.isnan(v) else ('inf' if v == np.inf else '-inf' if v == -np.inf else float(v)) for v in a.astype('<f8').ravel()]
print(json.dumps({'values': enc(le), 'depth': enc(depth)}))
`;

const decode = (v: number | string | null): number => (v === null ? NaN : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : Number(v));

test('float16 .npy (either byte order, Fortran order, subnormals, inf, NaN) reads as numpy reads it', { skip: !existsSync(PYTHON) }, async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'dk-npy-f2-'));
  const r = spawnSync(PYTHON, ['-c', SCRIPT, dir], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const ref = JSON.parse(r.stdout) as { values: (number | string | null)[]; depth: (number | string | null)[] };
  const want = ref.values.map(decode);
  for (const name of ['f2_le.npy', 'f2_be.npy', 'f2_fortran.npy']) {
    const arr = await readNpy(path.join(dir, name));
    assert.deepEqual(arr.shape, [4, 4], name);
    assert.deepEqual(Array.from(arr.data), want.map((v) => Math.fround(v)), name);
    assert.ok(Object.is(arr.data[1], -0), `${name}: negative zero kept`);
  }
  const map = await readDepthMap(path.join(dir, 'depth_f2.npy'));
  assert.deepEqual([map.width, map.height], [4, 3]);
  assert.deepEqual(Array.from(map.data), ref.depth.map((v) => Math.fround(decode(v))));
});

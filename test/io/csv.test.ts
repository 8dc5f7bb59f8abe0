import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FormatError } from '../../src/errors.js';
import { metaPath, numericCell, readCsv, writeCsv } from '../../src/io/csv.js';

const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'depthkit-csv-'));
const version = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

test('writeCsv keeps full precision, writes nan/inf, quotes text, and stamps the sidecar', async () => {
  const file = path.join(tmp(), 'out.csv');
  const rows = [
    { name: 'a,b "c"', abs_rel: 0.1 + 0.2, d1: NaN, rmse: Infinity },
    { name: 'plain', abs_rel: 1e-7, d1: 1, rmse: -Infinity },
  ];
  await writeCsv(file, rows, ['name', 'abs_rel', 'd1', 'rmse'], { crop: 'garg', max_depth: 80, count: 2 });
  assert.equal(readFileSync(file, 'utf8'), 'name,abs_rel,d1,rmse\n"a,b ""c""",0.30000000000000004,nan,inf\nplain,1e-7,1,-inf\n');
  assert.deepEqual(JSON.parse(readFileSync(metaPath(file), 'utf8')), { crop: 'garg', max_depth: 80, count: 2, depthkit_version: version });
  const back = await readCsv(file);
  assert.deepEqual(back.columns, ['name', 'abs_rel', 'd1', 'rmse']);
  assert.equal(back.rows[0].name, 'a,b "c"');
  assert.equal(numericCell(file, back.rows[0], 'abs_rel'), 0.30000000000000004);
  assert.ok(Number.isNaN(numericCell(file, back.rows[0], 'd1')));
  assert.equal(numericCell(file, back.rows[1], 'rmse'), -Infinity);
  assert.equal(back.meta?.crop, 'garg');
});

test('Python\'s csv module reads the same values back (an independent reader)', async (t) => {
  const file = path.join(tmp(), 'py.csv');
  await writeCsv(file, [{ name: 'x,y', v: 0.1 + 0.2 }, { name: 'z', v: NaN }], ['name', 'v']);
  let out: string;
  try {
    out = execFileSync('python3', ['-c', 'import csv,sys,json; r=list(csv.DictReader(open(sys.argv[1]))); print(json.dumps([[x["name"], repr(float(x["v"]))] for x in r]))', file], { encoding: 'utf8' });
  } catch {
    t.skip('python3 not available');
    return;
  }
  assert.deepEqual(JSON.parse(out), [['x,y', '0.30000000000000004'], ['z', 'nan']]);
});

test('writing without meta removes a stale sidecar', async () => {
  const file = path.join(tmp(), 's.csv');
  await writeCsv(file, [{ a: 1 }], ['a'], { crop: 'none' });
  assert.ok(existsSync(metaPath(file)));
  await writeCsv(file, [{ a: 2 }], ['a']);
  assert.ok(!existsSync(metaPath(file)));
  assert.equal((await readCsv(file)).meta, undefined);
});

test('malformed CSVs are FormatErrors naming the file', async () => {
  const dir = tmp();
  const cases: [string, string, RegExp][] = [
    ['empty.csv', '', /empty\.csv: empty file/],
    ['blank.csv', '\n\n', /blank\.csv: empty file/],
    ['nohead.csv', '0.1,0.2\n0.3,0.4\n', /nohead\.csv: no header row/],
    ['ragged.csv', 'a,b\n1,2\n3\n', /ragged\.csv: row 3 has 1 cells, the header has 2/],
    ['dup.csv', 'a,a\n1,2\n', /dup\.csv: column "a" appears twice/],
    ['missing.csv', null as unknown as string, /missing\.csv: file not found/],
  ];
  for (const [name, text, re] of cases) {
    const file = path.join(dir, name);
    if (text !== null) writeFileSync(file, text);
    await assert.rejects(readCsv(file), (err: unknown) => err instanceof FormatError && re.test(err.message), name);
  }
  const bad = path.join(dir, 'badmeta.csv');
  writeFileSync(bad, 'a\n1\n');
  writeFileSync(metaPath(bad), '{"crop": {"nested": 1}}');
  await assert.rejects(readCsv(bad), /badmeta\.csv\.meta\.json: must be a flat JSON object/);
});

test('numericCell names file, row and column for non-numeric text', () => {
  assert.throws(() => numericCell('m.csv', { abs_rel: 'oops' }, 'abs_rel', 3), /^FormatError: m\.csv: row 5, column "abs_rel": "oops" is not a number$/);
  assert.throws(() => numericCell('m.csv', { abs_rel: '' }, 'abs_rel', 0), /row 2, column "abs_rel"/);
  assert.ok(Number.isNaN(numericCell('m.csv', { v: 'NaN' }, 'v')));
  assert.equal(numericCell('m.csv', { v: ' 2.5e-3 ' }, 'v'), 0.0025);
});

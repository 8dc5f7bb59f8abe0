import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { depthkit, ROOT } from '../helpers/cli.js';
import { writeNpy } from '../../src/io/npy.js';
import { writePng16 } from '../../src/io/png16.js';
import { DEFAULT_WORST_COUNT } from '../../src/report/strips.js';

/** The `depthkit ...` lines of a doc (shell lines and CI `- run:` / `- ` steps), verbatim. */
function exampleLines(doc: string, start: RegExp): string[] {
  return readFileSync(path.join(ROOT, doc), 'utf8').split('\n')
    .map((l) => l.trim().replace(/^- (run: )?/, ''))
    .filter((l) => start.test(l));
}

/** Shell words of a simple command line: spaces split, double quotes group, $NAME expands from env. */
function words(line: string, env: Record<string, string>): string[] {
  return (line.match(/"[^"]*"|\S+/g) ?? []).map((w) => w.replace(/^"|"$/g, '').replace(/\$([A-Z_]+)/g, (_, k: string) => env[k] ?? ''));
}

/** KITTI-like folders laid out as the examples expect: preds/*.npy (metres) and gt/*.png (uint16, metres x 256). */
async function kittiLikeFolders(dir: string, names: string[]): Promise<void> {
  mkdirSync(path.join(dir, 'preds'));
  mkdirSync(path.join(dir, 'gt'));
  const [w, h] = [48, 16];
  for (const [k, name] of names.entries()) {
    const gt = new Uint16Array(w * h);
    const pred = new Float32Array(w * h);
    for (let i = 0; i < gt.length; i++) {
      const metres = 5 + ((i * 7 + k * 13) % 40);
      gt[i] = metres * 256;
      pred[i] = metres * (1 + 0.02 * (k + 1) * (i % 2 ? 1 : -0.5));
    }
    await writePng16(path.join(dir, 'gt', `${name}.png`), gt, w, h);
    await writeNpy(path.join(dir, 'preds', `${name}.npy`), pred, [h, w]);
  }
}

test('the README\'s and docs/ci.md\'s example commands run verbatim from a working directory other than the repo root', async () => {
  const work = mkdtempSync(path.join(os.tmpdir(), 'dk-readme-'));
  await kittiLikeFolders(work, ['0000000005', '0000000010', '0000000011', '0000000100']);
  const env = { REPORT_URL: 'https://ci.example/run/7' };
  const run = (line: string, cwd: string) => {
    const r = depthkit(words(line, env).slice(1), { cwd });
    return { ...r, line };
  };
  const readme = exampleLines('README.md', /^depthkit (eval --pred preds\/|compare baseline\/)/);
  const ci = exampleLines('docs/ci.md', /^depthkit (eval --pred preds\/|compare baseline\/|baseline update)/);
  assert.ok(readme.length >= 3 && ci.length >= 4, `${readme.join('\n')}\n${ci.join('\n')}`);

  // README: "depthkit eval ... --out results/" writes CSVs, plots and strips (strips re-read preds/ and gt/).
  const evalResults = readme.find((l) => l.includes('--out results/'))!;
  const first = run(evalResults, work);
  assert.equal(first.code, 0, `${first.line}\n${first.stderr}`);
  assert.ok(existsSync(path.join(work, 'results', 'summary.csv')));
  assert.equal(existsSync(path.join(work, 'results', 'per_image.partial.csv')), false);
  assert.equal(readdirSync(path.join(work, 'results', 'strips')).filter((n) => n.endsWith('.png')).length, Math.min(4, DEFAULT_WORST_COUNT));
  const record = JSON.parse(readFileSync(path.join(work, 'results', 'run.json'), 'utf8'));
  assert.equal(record.inputs.pred, path.join(work, 'preds'));
  assert.equal(record.inputs_relative.gt, '../gt');
  // `report` of that run from yet another directory (strips are drawn again when absent).
  const elsewhere = mkdtempSync(path.join(os.tmpdir(), 'dk-readme-elsewhere-'));
  const report = depthkit(['report', path.join(work, 'results'), '--out', path.join(elsewhere, 'r.html')], { cwd: elsewhere });
  assert.equal(report.code, 0, report.stderr);

  // docs/ci.md: eval into out/, accept it as the baseline, compare against it (passes), with the Markdown and JUnit.
  const order = (l: string) => ['depthkit eval', 'depthkit baseline', 'depthkit compare'].findIndex((c) => l.startsWith(c));
  for (const line of [...ci].sort((a, b) => order(a) - order(b))) {
    const r = run(line, work);
    assert.equal(r.code, 0, `${r.line}\n${r.stdout}\n${r.stderr}`);
  }
  assert.match(readFileSync(path.join(work, 'out', 'compare.md'), 'utf8'), /^### depthkit compare: PASS \(\[report\]\(https:\/\/ci\.example\/run\/7\)\)/);
  assert.ok(existsSync(path.join(work, 'out', 'junit.xml')));

  // README: eval into candidate/, then the compare line against the baseline made above.
  for (const line of readme.filter((l) => l !== evalResults)) {
    const r = run(line, work);
    assert.equal(r.code, 0, `${r.line}\n${r.stdout}\n${r.stderr}`);
  }
  assert.ok(existsSync(path.join(work, 'cmp.md')) && existsSync(path.join(work, 'cmp.xml')));
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const script = path.join(root, 'test', 'ci', 'recipe.sh');

test('every depthkit compare / baseline command line of docs/ci.md is run verbatim by test/ci/recipe.sh', () => {
  const docs = readFileSync(path.join(root, 'docs', 'ci.md'), 'utf8');
  const recipe = readFileSync(script, 'utf8');
  const code = docs.split('```').filter((_, i) => i % 2 === 1).join('\n');
  const lines = [...code.matchAll(/depthkit (?:compare|baseline update) [^\n]*/g)].map((m) => m[0].trim());
  assert.ok(lines.length >= 3, `found ${lines.length} command lines in docs/ci.md`);
  for (const line of lines) assert.ok(recipe.includes(line), `not in the recipe: ${line}`);
});

test('test/ci/recipe.sh passes the good candidate, fails the regressed one, accepts a baseline update', () => {
  const work = mkdtempSync(path.join(os.tmpdir(), 'depthkit-recipe-'));
  // Runs the command classes from src (no build needed), mapping "baseline update" to its file like oclif does.
  // The loader and @oclif/core are passed as resolved URLs: the script runs in a folder outside the repository.
  const launch = "const [oclif, file, ...argv] = process.argv.slice(1); const { handle } = await import(oclif); const { default: C } = await import(file); await C.run(argv, file).catch(handle);";
  const wrapper = path.join(work, 'depthkit');
  writeFileSync(wrapper, [
    '#!/bin/sh',
    'if [ "$1" = baseline ]; then cmd="baseline/$2"; shift 2; else cmd="$1"; shift; fi',
    `exec "${process.execPath}" --import ${import.meta.resolve('tsx')} --input-type=module -e "${launch}" ${import.meta.resolve('@oclif/core')} "${root}/src/commands/$cmd.ts" "$@"`,
    '',
  ].join('\n'));
  chmodSync(wrapper, 0o755);
  const env: NodeJS.ProcessEnv = { ...process.env, DEPTHKIT: wrapper };
  delete env.GITHUB_STEP_SUMMARY;
  const r = spawnSync('bash', [script, path.join(work, 'ci')], { cwd: root, env, encoding: 'utf8' });
  assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, /recipe ok/);
  const md = readFileSync(path.join(work, 'ci', 'out', 'compare.md'), 'utf8');
  assert.match(md, /^### depthkit compare: PASS \(\[report\]\(https:\/\/ci\.example\/run\/1\)\)/);
});

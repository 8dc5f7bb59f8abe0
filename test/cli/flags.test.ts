import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { depthkit } from '../helpers/cli.js';

function oneLine(args: string[], code: number, re: RegExp) {
  const r = depthkit(args);
  assert.equal(r.code, code, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
  assert.match(r.stderr, re);
  assert.equal(r.stderr.trim().split('\n').length, 1, `${args.join(' ')}: ${r.stderr}`);
  assert.doesNotMatch(r.stdout + r.stderr, /USAGE|FLAGS/);
}

test('numeric flags are checked at parse time: one line naming the flag, exit 2', () => {
  const cases: [string[], RegExp][] = [
    [['video', 'clip.mp4', '--depth', 'preds/', '--depth-scale', '0'], /^depthkit: --depth-scale must be a number greater than 0, or name=number \(got "0"\)/],
    [['video', 'clip.mp4', '--depth', 'preds/', '--gt-scale', '-1'], /--gt-scale must be greater than 0 \(got -1\)/],
    [['video', 'clip.mp4', '--depth', 'preds/', '--min-depth', '10', '--max-depth', '1'], /--min-depth < --max-depth \(got 10, 1\)/],
    [['video', 'clip.mp4', '--depth', 'preds/', '--stride', '0'], /--stride: Expected an integer greater than or equal to 1/],
    [['video', 'clip.mp4', '--depth', 'preds/', '--start', '-2'], /--start must be at least 0/],
    [['eval', '--pred', 'p', '--gt', 'g', '--gt-scale', '0'], /--gt-scale must be greater than 0/],
    [['eval', '--pred', 'p', '--gt', 'g', '--pred-scale', 'abc'], /--pred-scale must be a number \(got "abc"\)/],
    [['eval', '--pred', 'p', '--gt', 'g', '--min-depth', '10', '--max-depth', '1'], /--min-depth < --max-depth \(got 10, 1\)/],
    [['eval', '--dataset', 'kitti', '--data-path', 'k', '--pred', 'p', '--shard', '5/4'], /--shard must be i\/n with 1 <= i <= n \(got "5\/4"\)/],
    [['eval', '--dataset', 'kitti', '--data-path', 'k', '--pred', 'p', '--shard', '0/4'], /--shard must be i\/n/],
    [['compare', 'a.csv', 'b.csv', '--confidence', '1.5'], /--confidence must be between 0 and 1/],
    [['compare', 'a.csv', 'b.csv', '--resamples', '10'], /--resamples: Expected an integer greater than or equal to 100/],
    [['train', '--out', 'o', '--lr', '0'], /--lr must be greater than 0/],
    [['train', '--out', 'o', '--jitter', '1'], /--jitter must be at least 0 and below 1/],
    [['synth', '--fps', '0'], /--fps must be greater than 0/],
    [['model', 'init', '--out', 'x', '--max-depth', '-5'], /--max-depth must be greater than 0/],
  ];
  for (const [args, re] of cases) oneLine(args, 2, re);
});

test('a mistyped flag or a missing argument is one line, not the whole help; with --json one JSON object on stdout', () => {
  oneLine(['compare', 'a.csv', 'b.csv', '--tolerence', 'x'], 2, /^depthkit: Nonexistent flag: --tolerence \(see depthkit compare --help\)\n$/);
  oneLine(['compare'], 2, /^depthkit: Missing 2 required args: baseline, candidate \(see depthkit compare --help\)\n$/);
  oneLine(['eval', '--crop', 'gargg'], 2, /Expected --crop=gargg to be one of: none, garg, eigen/);
  for (const args of [['compare', '--json'], ['eval', '--pred', 'p', '--gt', 'g', '--gt-scale', '0', '--json'], ['compare', 'nope.csv', 'nope2.csv', '--json']]) {
    const r = depthkit(args);
    assert.equal(r.code, 2, args.join(' '));
    assert.equal(r.stdout.trim().split('\n').length, 1, r.stdout);
    const json = JSON.parse(r.stdout);
    assert.equal(typeof json.error.message, 'string');
    assert.equal(json.error.exitCode, 2);
    assert.equal(r.stderr, '');
  }
});

test('an --out that cannot be created fails at once with exit 1 (Node\'s recursive mkdir spins forever on /proc)', { skip: !existsSync('/proc/self') }, () => {
  const d = mkdtempSync(path.join(os.tmpdir(), 'dk-out-proc-'));
  mkdirSync(path.join(d, 'p'));
  mkdirSync(path.join(d, 'g'));
  const started = Date.now();
  const r = depthkit(['eval', '--pred', path.join(d, 'p'), '--gt', path.join(d, 'g'), '--out', '/proc/nope'], { timeoutMs: 60_000 });
  assert.equal(r.code, 1, `${r.stdout}${r.stderr} after ${Date.now() - started} ms`);
  assert.match(r.stderr, /^depthkit: \/proc\/nope: output folder is not writable \(ENOENT\)\n$/);
});

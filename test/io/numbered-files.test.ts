import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileNumber, listNumberedFiles, naturalCompare } from '../../src/io/numbered-files.js';
import { writeNpy } from '../../src/io/npy.js';
import { openFileSource } from '../../src/video/depth-source.js';
import { openGtSource } from '../../src/video/gt-source.js';

const NPY = { extensions: ['.npy', '.png'], what: 'depth files' };

function folder(names: string[]): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'dk-numbered-'));
  for (const n of names) writeFileSync(path.join(dir, n), '');
  return dir;
}

test('natural order: 2 before 10, frame_2 before frame_10', () => {
  assert.deepEqual(['10', '2', '1'].sort(naturalCompare), ['1', '2', '10']);
  assert.deepEqual(['frame_10.npy', 'frame_2.npy', 'frame_1.npy'].sort(naturalCompare), ['frame_1.npy', 'frame_2.npy', 'frame_10.npy']);
  assert.equal(fileNumber('frame_000012.npy'), 12);
  assert.equal(fileNumber('cam1_frame_7_depth.png'), 7);
  assert.equal(fileNumber('depth.npy'), undefined);
});

test('frames are numbered by the number in the name, the lowest being frame 0', async () => {
  const names = Array.from({ length: 24 }, (_, k) => `frame_${k}.npy`);
  const dir = folder(names);
  const files = await listNumberedFiles(dir, NPY);
  assert.deepEqual(files.map((f) => [f.index, path.basename(f.file)]), names.map((n, k) => [k, n]));
  // ffmpeg's image2 muxer counts from 1: the first file is still frame 0.
  const oneBased = await listNumberedFiles(folder(['img1.png', 'img2.png', 'img10.png', ...Array.from({ length: 7 }, (_, k) => `img${k + 3}.png`)]), NPY);
  assert.deepEqual(oneBased.map((f) => f.index), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.equal(path.basename(oneBased[9].file), 'img10.png');
  // Names without numbers keep their natural order.
  const plain = await listNumberedFiles(folder(['b.npy', 'a.npy']), NPY);
  assert.deepEqual(plain.map((f) => path.basename(f.file)), ['a.npy', 'b.npy']);
});

test('two files for one frame, holes and mixed names are one-line errors naming them', async () => {
  await assert.rejects(listNumberedFiles(folder(['0006.npy', '0007.npy', '7.npy']), NPY), /two depth files for frame number 7: 0007\.npy and 7\.npy$/);
  await assert.rejects(listNumberedFiles(folder(['0.npy', '1.npy', '1.png']), NPY), /two depth files for frame number 1: 1\.npy and 1\.png$/);
  await assert.rejects(listNumberedFiles(folder(['f0.npy', 'f1.npy', 'f3.npy']), NPY), /has a hole: number 2 missing between f1\.npy and f3\.npy$/);
  await assert.rejects(listNumberedFiles(folder(['f0.npy', 'f4.npy']), NPY), /numbers 1\.\.3 missing/);
  await assert.rejects(listNumberedFiles(folder(['f0.npy', 'extra.npy']), NPY), /mixes numbered and unnumbered depth files \(extra\.npy/);
  await assert.rejects(listNumberedFiles(folder(['notes.txt']), NPY), /holds no depth files \(\.npy, \.png\)$/);
  await assert.rejects(listNumberedFiles(path.join(os.tmpdir(), 'dk-no-such-folder-x'), NPY), /folder does not exist$/);
  const holes = await listNumberedFiles(folder(['f0.npy', 'f3.npy']), { ...NPY, allowHoles: true });
  assert.deepEqual(holes.map((f) => f.index), [0, 3]);
});

test('a symlink leading out of the folder is refused', async () => {
  const outside = folder(['x.npy']);
  const dir = folder(['0.npy']);
  symlinkSync(path.join(outside, 'x.npy'), path.join(dir, '1.npy'));
  await assert.rejects(listNumberedFiles(dir, NPY), /leads outside/);
});

test('video depth and ground-truth folders pair frame k with the file numbered k (unpadded names)', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'dk-numbered-pairs-'));
  const pred = path.join(dir, 'pred');
  const gt = path.join(dir, 'gt');
  mkdirSync(pred);
  mkdirSync(gt);
  // Every map holds its own frame number, so a pairing by text order (frame_10 after frame_1) shows at once.
  for (let k = 0; k < 24; k++) {
    await writeNpy(path.join(pred, `frame_${k}.npy`), new Float32Array(4).fill(k + 1), [2, 2]);
    await writeNpy(path.join(gt, `${k}.npy`), new Float32Array(4).fill(k + 1), [2, 2]);
  }
  const source = await openFileSource(`a=${pred}`, { scale: 1, kind: 'depth' });
  const truth = await openGtSource(gt, 1000);
  assert.equal(source.count, 24);
  assert.equal(truth.count, 24);
  const rgb = { data: new Uint8Array(12), width: 2, height: 2 };
  for (let k = 0; k < 24; k++) {
    assert.equal((await source.depthAt({ index: k, rgb })).data[0], k + 1);
    assert.equal((await truth.at(k, 2, 2)).data[0], k + 1);
  }
});

import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { DepthkitError } from '../errors.js';
import { describeWriteError } from '../io/atomic.js';
import { readCheckpoint, writeCheckpoint, type Checkpoint } from '../model/checkpoint.js';
import type { AdamWState } from './adamw.js';
import { tensorsFingerprint } from './fingerprint.js';
import { optimPath, readOptimState, writeOptimState, type OptimSidecar, type RowSums } from './optim-file.js';

/**
 * A checkpoint and its optimizer sidecar commit as a unit. Each file is written atomically, but a kill between two
 * writes would pair new weights with old moments, so a save goes: new sidecar under a next-name, then the checkpoint
 * (the commit point), then the sidecar renamed into place. Whenever the process dies, the checkpoint on disk has its
 * sidecar under one of the two names, and the sidecar records the checkpoint's fingerprint to tell which.
 */
export function nextOptimPath(checkpoint: string): string {
  return checkpoint.replace(/\.safetensors$/, '') + '.optim.next.safetensors';
}

export interface PairToSave {
  checkpoint: Checkpoint;
  optim: AdamWState;
  settings: object;
  row: RowSums;
}

/** A rename or removal in the output folder that fails becomes a one-line error naming the file. */
async function fileOp(file: string, what: string, op: () => Promise<void>): Promise<void> {
  try {
    await op();
  } catch (err) {
    throw new DepthkitError(`cannot ${what}, ${describeWriteError(err)}`, { file, exitCode: 1, cause: err });
  }
}

const settle = (file: string) => {
  const next = nextOptimPath(file);
  return fileOp(optimPath(file), `rename ${path.basename(next)} to this file`, () => fs.rename(next, optimPath(file)));
};

export async function savePair(file: string, p: PairToSave): Promise<void> {
  const next = nextOptimPath(file);
  await writeOptimState(next, p.optim, { ...p.settings, checkpoint_fingerprint: tensorsFingerprint(p.checkpoint.tensors) }, p.row);
  await writeCheckpoint(file, p.checkpoint);
  await settle(file);
}

export interface CommittedPair {
  checkpoint: Checkpoint;
  optim: OptimSidecar;
  /** The sidecar that matched: optimPath(file), or nextOptimPath(file) after a kill just past the commit point. */
  optimFile: string;
}

/**
 * The last committed save: the checkpoint and the sidecar whose fingerprint matches it. Reads only; `settlePair`
 * finishes an interrupted save on disk. The settled name is tried first: when both match (weights that did not
 * change between saves), it is the one whose step belongs to those weights.
 */
export function readCommittedPair(file: string): CommittedPair {
  const checkpoint = readCheckpoint(file);
  const fingerprint = tensorsFingerprint(checkpoint.tensors);
  const candidates = [optimPath(file), nextOptimPath(file)].filter((f) => existsSync(f));
  if (!candidates.length) throw new DepthkitError('nothing to resume: the optimizer state is missing', { file: optimPath(file) });
  const problems: DepthkitError[] = [];
  for (const optimFile of candidates) {
    try {
      const optim = readOptimState(optimFile, checkpoint.tensors);
      if (optim.settings.checkpoint_fingerprint === fingerprint) return { checkpoint, optim, optimFile };
      problems.push(new DepthkitError(`optimizer state was saved with other weights than ${file}`, { file: optimFile }));
    } catch (err) {
      // A stale next-file from another model must not hide a good sidecar; reported only if nothing matches.
      if (!(err instanceof DepthkitError)) throw err;
      problems.push(err);
    }
  }
  throw problems[0];
}

/** Completes the rename of a save cut short after its commit point, or drops the sidecar of a save that never committed. */
export async function settlePair(file: string, found: CommittedPair): Promise<void> {
  const next = nextOptimPath(file);
  if (found.optimFile === next) await settle(file);
  else await fileOp(next, 'remove this sidecar of a save that never committed', () => fs.rm(next, { force: true }));
}

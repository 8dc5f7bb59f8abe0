import { promises as fs, constants as fsConstants } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { DepthkitError, errorMessage } from '../errors.js';
import { isInside } from './safe-path.js';

/** `.<name>.tmp-<pid>-<8 hex>`: the temp names of writeFileAtomic (and of the video encoder, which follows it). */
const TEMP_NAME = /^\..+\.tmp-(\d+)-[0-9a-f]{8}$/;

/** The hidden temp path a writer uses beside `file` before renaming it into place. */
export function atomicTempPath(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
}

const ERRNO_TEXT: Record<string, string> = {
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EFBIG: 'file too large',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  EIO: 'input/output error',
  ENOENT: 'its folder does not exist',
  ENOTDIR: 'a part of the path is not a folder',
  EISDIR: 'it is a folder',
  EMFILE: 'too many open files',
};

/** Codes whose text above is also the C library's strerror (lower-cased), as tools such as ffmpeg print it. */
const STRERROR_CODES = ['ENOSPC', 'EDQUOT', 'EFBIG', 'EACCES', 'EPERM', 'EROFS', 'EIO'];

/**
 * The write fault named in another program's message ("Could not write header ...: No space left on device"), as
 * describeWriteError words it; undefined when the message names none.
 */
export function writeFaultIn(message: string): string | undefined {
  const lower = message.toLowerCase();
  const code = STRERROR_CODES.find((c) => lower.includes(ERRNO_TEXT[c]));
  return code && `${ERRNO_TEXT[code]} (${code})`;
}

/** "no space left on device (ENOSPC)" for an errno error, else its message. */
export function describeWriteError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code !== 'string') return errorMessage(err).split('\n')[0];
  return ERRNO_TEXT[code] ? `${ERRNO_TEXT[code]} (${code})` : code;
}

/** Folders named by the user as outputs (each ensureWritableDir call not below another): symlinks below them are refused. */
const outputRoots = new Set<string>();

function outputRootOf(absDir: string): string | undefined {
  let best: string | undefined;
  for (const r of outputRoots) if (isInside(absDir, r) && (best === undefined || r.length > best.length)) best = r;
  return best;
}

/**
 * The output folder itself may be a symlink (the user chose it), but nothing below it may be: a link planted at
 * out/plots or out/depth would make depthkit write (and replace files) wherever it points.
 */
async function refuseSymlinkedFolders(root: string, dir: string): Promise<void> {
  let at = root;
  for (const part of path.relative(root, dir).split(path.sep).filter(Boolean)) {
    at = path.join(at, part);
    const st = await fs.lstat(at).catch(() => undefined);
    if (!st) return;
    if (st.isSymbolicLink()) throw new DepthkitError(`is a symlink inside the output folder ${root}; refusing to write through it`, { file: at, exitCode: 1 });
  }
}

/** Writes `data` to a hidden temp file beside `file` and fsyncs it; returns the temp's path. */
async function stage(file: string, data: string | Uint8Array): Promise<string> {
  const dir = path.dirname(path.resolve(file));
  const root = outputRootOf(dir);
  if (root) await refuseSymlinkedFolders(root, dir);
  const tmp = atomicTempPath(file);
  const handle = await fs.open(tmp, 'wx');
  try {
    await handle.writeFile(data);
    await handle.sync();
    await handle.close();
  } catch (err) {
    await handle.close().catch(() => {});
    await fs.rm(tmp, { force: true });
    throw err;
  }
  return tmp;
}

const asWriteError = (err: unknown, file: string): DepthkitError =>
  err instanceof DepthkitError ? err : new DepthkitError(`cannot write, ${describeWriteError(err)}`, { file, exitCode: 1, cause: err });

export interface FileContent {
  file: string;
  /** The bytes, or a temp file beside `file` (atomicTempPath) that the caller already wrote and fsynced. */
  data: string | Uint8Array | { staged: string };
}

/**
 * Writes a set of files that belong together (a CSV and its sidecar; a run's CSVs and run.json) so that a failed
 * write changes none of them: every file is written to a temp file and fsynced first, and only when all are on
 * disk are they renamed over their targets (a rename needs no free space). A disk that fills up, a permission or a
 * read-only folder thus leaves the earlier results exactly as they were, and the error is one line naming the file
 * that could not be written. A crash leaves at most stray hidden temp files (removed by the next ensureWritableDir
 * of that folder), never a half-written output. Refuses to write through a symlink planted at a target or at a
 * folder between the output folder and a target.
 */
export async function writeFilesAtomic(files: readonly FileContent[]): Promise<void> {
  const temps: string[] = [];
  const discard = () => Promise.all(temps.map((t) => fs.rm(t, { force: true })));
  let at = 0;
  try {
    for (; at < files.length; at++) {
      const { file, data } = files[at];
      temps.push(typeof data === 'object' && 'staged' in data ? data.staged : await stage(file, data));
    }
    for (at = 0; at < files.length; at++) {
      const st = await fs.lstat(files[at].file).catch(() => undefined);
      if (st?.isSymbolicLink()) throw new DepthkitError('is a symlink; refusing to replace it', { file: files[at].file, exitCode: 1 });
    }
    for (at = 0; at < files.length; at++) await fs.rename(temps[at], files[at].file);
  } catch (err) {
    await discard();
    throw asWriteError(err, files[at].file);
  }
}

/** One file written atomically (see writeFilesAtomic): readers only ever see the old content or the new. */
export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  await writeFilesAtomic([{ file, data }]);
}

function pidAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes the temp files that a killed depthkit left in `dir`: only names of our own pattern, only regular files
 * (never a symlink, never a folder), only when the pid in the name is no live process. A temp file whose writer
 * is still running (this process, or another depthkit writing into the same folder) is left alone.
 */
export async function removeStaleTemps(dir: string): Promise<string[]> {
  const names = await fs.readdir(dir).catch(() => [] as string[]);
  const removed: string[] = [];
  for (const name of names) {
    const m = TEMP_NAME.exec(name);
    if (!m || pidAlive(Number(m[1]))) continue;
    const file = path.join(dir, name);
    const st = await fs.lstat(file).catch(() => undefined);
    if (!st?.isFile()) continue;
    await fs.rm(file, { force: true }).then(() => removed.push(file), () => {});
  }
  return removed;
}

/**
 * `mkdir -p` that always ends. Node's `fs.mkdir(dir, { recursive: true })` never returns (a CPU-bound loop on the
 * thread pool, so no signal handler can end the wait) when the kernel answers ENOENT for a folder whose parent
 * exists, as procfs does for `/proc/nope`: it reads ENOENT as "parent missing", creates the parent (EEXIST), retries
 * the child, and so on. Here each missing folder is created once, from the deepest existing one down, and an error
 * on any of them is final.
 */
export async function makeDirs(dir: string): Promise<void> {
  const missing: string[] = [];
  let at = path.resolve(dir);
  let st;
  while (!(st = await fs.stat(at).catch(() => undefined))) {
    missing.push(at);
    const parent = path.dirname(at);
    if (parent === at) break;
    at = parent;
  }
  if (st && !st.isDirectory()) throw Object.assign(new Error(`${at} is not a folder`), { code: missing.length ? 'ENOTDIR' : 'EEXIST' });
  for (const d of missing.reverse()) {
    await fs.mkdir(d).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'EEXIST') throw err;
    });
  }
}

/**
 * Creates an output directory (and parents) and checks that it is writable, before any work starts; removes the
 * stale temp files of a killed earlier run there. The first folder given (not below another one) is an output
 * root: it may itself be a symlink, but a folder below it that is one (out/plots -> elsewhere) is refused.
 */
export async function ensureWritableDir(dir: string): Promise<void> {
  const abs = path.resolve(dir);
  const root = outputRootOf(abs);
  if (root) await refuseSymlinkedFolders(root, abs);
  try {
    await makeDirs(abs);
    await fs.access(abs, fsConstants.W_OK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new DepthkitError(`output folder is not writable (${code})`, { file: dir, exitCode: 1 });
  }
  if (!root) outputRoots.add(abs);
  await removeStaleTemps(abs);
}

/**
 * Checks, before any work, the sub-folders that a run writes into after its results (plots/, strips/) where they
 * already exist: a read-only or symlinked one would otherwise fail only once the results beside it were replaced.
 */
export async function checkExistingSubdirs(root: string, names: readonly string[]): Promise<void> {
  const present = [];
  for (const name of names) if (await fs.lstat(path.join(root, name)).then(() => true, () => false)) present.push(name);
  if (!present.length) return;
  await ensureWritableDir(root); // first, so that root (not the sub-folder) is the output folder symlinks are checked below
  for (const name of present) await ensureWritableDir(path.join(root, name));
}

/**
 * Writes a set of images into an output sub-folder (plots/, strips/) that the run owns, and removes the `.png`
 * files an earlier run left there that this one did not write: a strip of an image that is no longer among the
 * worst, or a plot of a metric this run has not, would otherwise be shown by `report` as if it were this run's.
 */
export async function replaceImages(root: string, name: string, images: readonly { file: string; png: Uint8Array }[]): Promise<string[]> {
  const dir = await ensureOutputSubdir(root, name);
  const files = images.map((p) => path.join(dir, p.file));
  await Promise.all(images.map((p, i) => writeFileAtomic(files[i], p.png)));
  const keep = new Set(images.map((p) => p.file));
  for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
    if (entry.isFile() && entry.name.toLowerCase().endsWith('.png') && !keep.has(entry.name)) await fs.rm(path.join(dir, entry.name), { force: true });
  }
  return files;
}

/** `<root>/<name>` created as an output sub-folder (plots/, strips/, depth/): never a symlink planted there. */
export async function ensureOutputSubdir(root: string, name: string): Promise<string> {
  await ensureWritableDir(root);
  const dir = path.join(root, name);
  await ensureWritableDir(dir);
  return dir;
}

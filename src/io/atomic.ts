import { promises as fs, constants as fsConstants } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { DepthkitError } from '../errors.js';

/**
 * Writes a file so that readers only ever see the old content or the complete new one: write a temp file in the
 * same directory, fsync it, rename over the target. A crash leaves at most a stray `*.tmp-*` file, never a
 * half-written output. Refuses to write through a symlink planted at the target path.
 */
export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  const dir = path.dirname(file);
  const tmp = path.join(dir, `.${path.basename(file)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  const handle = await fs.open(tmp, 'wx');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } catch (err) {
    await handle.close();
    await fs.rm(tmp, { force: true });
    throw err;
  }
  await handle.close();
  try {
    const st = await fs.lstat(file).catch(() => undefined);
    if (st?.isSymbolicLink()) throw Object.assign(new Error(`refusing to replace symlink ${file}`), { code: 'ESYMLINK' });
    await fs.rename(tmp, file);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw err;
  }
}

/** Creates an output directory (and parents) and checks that it is writable, before any work starts. */
export async function ensureWritableDir(dir: string): Promise<void> {
  try {
    await fs.mkdir(dir, { recursive: true });
    await fs.access(dir, fsConstants.W_OK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new DepthkitError(`output folder is not writable (${code})`, { file: dir, exitCode: 1 });
  }
}

/**
 * Fault injection at the write layer, as a preload: `node --import tsx --import <this file> bin/dev.js ...`.
 * With DEPTHKIT_FAULT_DIR set, writes to paths under that folder fail with DEPTHKIT_FAULT_CODE (ENOSPC, EACCES,
 * EROFS; default ENOSPC) once DEPTHKIT_FAULT_AFTER bytes (default 0) have been written there, the way the kernel
 * reports them (an Error with code, errno, syscall, path). ENOSPC fails data writes only (a full disk still creates,
 * renames and removes names); EACCES and EROFS also fail creating a file or folder and renaming into the folder.
 * Reads, and writes anywhere else, are untouched. node:fs and node:fs/promises are patched in place (and the ESM
 * named exports re-synced), so every module of depthkit sees the faulty functions whichever way it imported them.
 */
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import path from 'node:path';
import { constants as os } from 'node:os';

const ERRNO: Record<string, [number, string]> = {
  ENOSPC: [-os.errno.ENOSPC, 'no space left on device'],
  EACCES: [-os.errno.EACCES, 'permission denied'],
  EROFS: [-os.errno.EROFS, 'read-only file system'],
};

type PathArg = string | Buffer | URL | fs.promises.FileHandle | number;

function install(root: string, code: string, budget: number): void {
  const [errno, text] = ERRNO[code] ?? [-1, code];
  const blocksNames = code !== 'ENOSPC';
  let written = 0;
  const under = (p: PathArg): p is string | Buffer | URL => {
    if (typeof p === 'number' || (typeof p === 'object' && 'fd' in p)) return false;
    const abs = path.resolve(p instanceof URL ? p.pathname : String(p));
    return abs === root || abs.startsWith(root + path.sep);
  };
  const fault = (syscall: string, p: string | Buffer | URL) =>
    Object.assign(new Error(`${code}: ${text}, ${syscall} '${String(p)}'`), { code, errno, syscall, path: String(p) });
  /** Data writes: allowed while the budget lasts (a write that would pass it fails whole). */
  const spend = (bytes: number, syscall: string, p: string | Buffer | URL) => {
    if (written + bytes > budget) throw fault(syscall, p);
    written += bytes;
  };
  /** Creating or renaming a name: refused for EACCES/EROFS once the budget is spent. */
  const name = (syscall: string, p: string | Buffer | URL) => {
    if (blocksNames && written >= budget) throw fault(syscall, p);
  };
  const size = (data: unknown) => (typeof data === 'string' ? Buffer.byteLength(data) : ArrayBuffer.isView(data) ? data.byteLength : 0);
  const writesFlag = (flags: unknown) => (typeof flags === 'string' ? /[wax+]/.test(flags) : typeof flags === 'number' && (flags & 3) !== 0);

  const p = fs.promises;
  const open = p.open.bind(p);
  p.open = async (file, flags, mode) => {
    if (!under(file) || !writesFlag(flags)) return open(file, flags, mode);
    name('open', file);
    const handle = await open(file, flags, mode);
    const write = handle.write.bind(handle) as (...a: unknown[]) => Promise<unknown>;
    const writeFile = handle.writeFile.bind(handle);
    Object.assign(handle, {
      write: async (data: unknown, ...rest: unknown[]) => {
        spend(size(data), 'write', file);
        return write(data, ...rest);
      },
      writeFile: async (data: string | Uint8Array, options?: Parameters<typeof writeFile>[1]) => {
        spend(size(data), 'write', file);
        return writeFile(data, options);
      },
    });
    return handle;
  };
  const writeFileP = p.writeFile.bind(p);
  p.writeFile = async (file, data, options) => {
    if (under(file as PathArg)) spend(size(data), 'write', file as string);
    return writeFileP(file, data, options);
  };
  const renameP = p.rename.bind(p);
  p.rename = async (from, to) => {
    if (under(to)) name('rename', to);
    return renameP(from, to);
  };
  const mkdirP = p.mkdir.bind(p) as (dir: fs.PathLike, options?: fs.MakeDirectoryOptions) => Promise<string | undefined>;
  (p as { mkdir: typeof mkdirP }).mkdir = async (dir, options) => {
    if (under(dir) && !fs.existsSync(dir)) name('mkdir', dir);
    return mkdirP(dir, options);
  };
  const writeFileSync = fs.writeFileSync;
  fs.writeFileSync = (file, data, options) => {
    if (under(file as PathArg)) spend(size(data), 'write', file as string);
    return writeFileSync(file, data, options);
  };
  const renameSync = fs.renameSync;
  fs.renameSync = (from, to) => {
    if (under(to)) name('rename', to);
    return renameSync(from, to);
  };
  syncBuiltinESMExports();
}

const dir = process.env.DEPTHKIT_FAULT_DIR;
if (dir) install(path.resolve(dir), process.env.DEPTHKIT_FAULT_CODE ?? 'ENOSPC', Number(process.env.DEPTHKIT_FAULT_AFTER ?? 0));

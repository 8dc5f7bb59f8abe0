import { promises as fs } from 'node:fs';
import path from 'node:path';
import { DepthkitError, FormatError } from '../errors.js';

/** True for an absolute path, a drive letter or a `..` segment: a relative path that can leave its folder. */
export function leavesFolder(rel: string): boolean {
  return rel.startsWith('/') || rel.startsWith('\\') || /^[A-Za-z]:/.test(rel) || rel.split(/[/\\]/).includes('..');
}

/**
 * Refuses a path read from inside a data file (a split-list entry) that could leave the folder it is relative to:
 * absolute paths, drive letters and `..` segments (zip-slip). `file` is the list, named in the error.
 */
export function checkRelativePath(rel: string, file: string, where: string): void {
  if (leavesFolder(rel)) {
    throw new FormatError(file, `${where}: refusing the path '${rel}', which leaves the data folder (absolute or with '..')`);
  }
}

export const isInside = (child: string, parent: string): boolean =>
  child === parent || child.startsWith(parent.endsWith(path.sep) ? parent : parent + path.sep);

/** Checks that files below a data root really lie inside it once symlinks are followed. */
export interface RootGuard {
  readonly root: string;
  /** Resolves to `file` when its real path is inside the root's real path (or it does not exist yet: the reader says so). */
  check(file: string): Promise<string>;
}

/**
 * Symlinks inside `--data-path`, `--pred` or `--gt` are fine while they point somewhere inside that folder; one that
 * leads out of it would let a planted link (or a link farm from another tool) read anything the user can read, so
 * it is refused with a one-line error naming the link.
 */
export function rootGuard(root: string): RootGuard {
  let realRoot: Promise<string> | undefined;
  return {
    root,
    async check(file) {
      realRoot ??= fs.realpath(root).catch(() => path.resolve(root));
      let real: string;
      try {
        real = await fs.realpath(file);
      } catch {
        return file;
      }
      const top = await realRoot;
      if (!isInside(real, top)) throw new DepthkitError(`leads outside ${root} (to ${real}) through a symlink; refusing to read it`, { file });
      return file;
    },
  };
}

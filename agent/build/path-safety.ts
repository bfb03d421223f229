/**
 * Keeping a build inside its repository: the sync path must not leave the exported tree
 * (`../`, an absolute path, a symlink pointing outside), and no symlink in the tree may point
 * outside it either, because kustomize would follow it.
 */
import { lstat, readlink, realpath } from "node:fs/promises";
import path from "node:path";
import { SlipwayError } from "../../core/errors.ts";
import { walkTree } from "../../core/walk-tree.ts";

/** Whether `child` is `parent` or below it (both absolute, normalised). */
export function isInside(parent: string, child: string): boolean {
  const rel = path.relative(parent, child);
  return rel === "" || (!rel.startsWith("..") && !path.isAbsolute(rel));
}

/**
 * Resolves `syncPath` (relative to `root`) to a real directory inside `root`. Throws a
 * SlipwayError naming the path when it is absolute, leaves the root, or is missing.
 */
export async function resolveSyncPath(root: string, syncPath: string): Promise<string> {
  const subject = `path ${syncPath}`;
  if (path.isAbsolute(syncPath)) throw new SlipwayError(subject, "must be relative to the repository root");
  const realRoot = await realpath(root);
  const joined = path.resolve(realRoot, syncPath);
  if (!isInside(realRoot, joined)) throw new SlipwayError(subject, "leaves the repository");
  let real: string;
  try {
    real = await realpath(joined);
  } catch (err) {
    throw new SlipwayError(subject, "does not exist in the repository", { cause: err });
  }
  if (!isInside(realRoot, real)) throw new SlipwayError(subject, `is a symlink that leaves the repository (to ${real})`);
  const st = await lstat(real);
  if (!st.isDirectory()) throw new SlipwayError(subject, "is not a directory");
  return real;
}

/**
 * Throws a SlipwayError naming (relative to `root`) the first symlink under `dir` (default: all
 * of `root`) whose target leaves `root`.
 */
export async function checkSymlinks(root: string, dir = root, signal?: AbortSignal): Promise<void> {
  const realRoot = await realpath(root);
  const realDir = await realpath(dir);
  for (const link of await walkTree(realDir, { include: (e) => e.kind === "symlink", signal })) {
    const full = link.absolute;
    const entry = path.relative(realRoot, full);
    const target = await readlink(full);
    const resolved = path.resolve(path.dirname(full), target);
    let real = resolved;
    try {
      real = await realpath(resolved);
    } catch {
      /* a dangling link: judge it by where it points */
    }
    if (!isInside(realRoot, real)) throw new SlipwayError(entry, `is a symlink that leaves the repository (to ${target})`);
  }
}

/**
 * A private, disposable copy of a source tree for one build: generated kustomizations and
 * namespace wrappers are written here, never into the cached clone or the user's checkout.
 */
import { copyFile, cp, lstat, mkdir, mkdtemp, readlink, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { walkTree } from "../../core/walk-tree.ts";
import { applySourceIgnore } from "../source/apply-sourceignore.ts";

/** A temporary tree; `dispose` removes it. */
export interface Workspace {
  root: string;
  dispose(): Promise<void>;
}

/** Creates an empty workspace under `parent` (default the OS temp dir). */
export async function createWorkspace(parent = tmpdir()): Promise<Workspace> {
  const dir = await mkdtemp(path.join(parent, "slipway-build-"));
  const root = path.join(dir, "src");
  return { root, dispose: () => rm(dir, { recursive: true, force: true }) };
}

/**
 * Copies a local directory tree into a workspace, then applies `.sourceignore`. Entries named
 * `.git` (a repository's directory, or a worktree's or submodule's `.git` file) are left out at
 * any depth; symlinks are copied as links, never followed; other special files are skipped.
 */
export async function copyIntoWorkspace(from: string, ws: Workspace, signal?: AbortSignal): Promise<void> {
  const entries = await walkTree(from, { skipDirs: [".git"], include: (e) => e.name !== ".git", signal });
  await mkdir(ws.root, { recursive: true });
  for (const e of entries) {
    const dest = path.join(ws.root, e.path);
    if (e.kind === "dir") await mkdir(dest, { recursive: true });
    else if (e.kind === "symlink") await symlink(await readlink(e.absolute), dest);
    else if (e.kind === "file") await copyFile(e.absolute, dest);
  }
  await applySourceIgnore(ws.root, signal);
}

/**
 * Copies the listed files (relative paths under `from`, symlinks kept as links, missing ones
 * skipped) into a workspace, then applies `.sourceignore`.
 */
export async function copyFilesIntoWorkspace(from: string, files: readonly string[], ws: Workspace, signal?: AbortSignal): Promise<void> {
  await mkdir(ws.root, { recursive: true });
  for (const rel of files) {
    signal?.throwIfAborted();
    const src = path.join(from, rel);
    const st = await lstat(src).catch(() => undefined);
    if (!st || !(st.isFile() || st.isSymbolicLink())) continue;
    const dest = path.join(ws.root, rel);
    await mkdir(path.dirname(dest), { recursive: true });
    await cp(src, dest, { verbatimSymlinks: true });
  }
  await applySourceIgnore(ws.root, signal);
}

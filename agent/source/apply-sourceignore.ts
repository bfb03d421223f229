/**
 * Removing what `.sourceignore` files (and the default patterns) exclude from an exported
 * source tree, before anything is built from it.
 */
import { lstat, readFile, rm } from "node:fs/promises";
import path from "node:path";
import { walkTree } from "../../core/walk-tree.ts";
import { compileIgnore, ignoredPaths } from "./sourceignore.ts";

/** Lists every path under `root` in lexical order, relative and slash-separated, directories with a trailing `/`. Symlinks are not followed; nothing is skipped (`.git` included). */
export async function listTree(root: string, signal?: AbortSignal): Promise<string[]> {
  return (await walkTree(root, { signal })).map((e) => (e.kind === "dir" ? `${e.path}/` : e.path));
}

/**
 * Deletes every ignored file and directory under `root`; returns the relative paths removed
 * (sorted). `replaceDefaults` (a GitRepository's `spec.ignore`, in .sourceignore syntax) takes
 * the place of the default exclusions, as in Flux; the repository's own `.sourceignore` files
 * still apply after it.
 */
export async function applySourceIgnore(root: string, signal?: AbortSignal, replaceDefaults?: string): Promise<string[]> {
  const paths = await listTree(root, signal);
  const files = new Map<string, string>();
  for (const p of paths) {
    if (p === ".sourceignore" || p.endsWith("/.sourceignore")) {
      const st = await lstat(path.join(root, p));
      if (!st.isFile()) continue;
      files.set(p.includes("/") ? p.slice(0, p.lastIndexOf("/")) : "", await readFile(path.join(root, p), "utf8"));
    }
  }
  const ignored = [...(replaceDefaults === undefined ? ignoredPaths(paths, files) : ignoredPaths(paths, files, [compileIgnore(replaceDefaults)]))].sort();
  // Remove top-most entries only; their contents go with them.
  const removed: string[] = [];
  for (const p of ignored) {
    const rel = p.endsWith("/") ? p.slice(0, -1) : p;
    if (removed.some((r) => r.endsWith("/") && rel.startsWith(r))) continue;
    await rm(path.join(root, rel), { recursive: true, force: true });
    removed.push(p);
  }
  return removed;
}

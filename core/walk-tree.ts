/**
 * The one directory-tree walker of the project. Every rule that differs between callers is an
 * explicit option with a documented default: which directories are skipped, whether symlinks are
 * followed, which entries are kept, whether a directory is descended into. Entries come in
 * lexical order (by UTF-16 code units, as `Array.prototype.sort`), depth first, so every caller
 * sees the same order on every machine.
 */
import type { Dirent, Stats } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import path from "node:path";
import { throwIfAborted } from "./errors.ts";

/** What an entry is. With `followSymlinks: false` a symlink is `symlink` whatever it points to; followed, it is what its target is (`symlink` only when dangling). */
export type WalkEntryKind = "file" | "dir" | "symlink" | "other";

/** One entry of a walk. */
export interface WalkEntry {
  /** Path relative to the walk's root, `/`-separated, e.g. `apps/shop/deploy.yaml`. */
  path: string;
  /** Absolute path (the root joined with `path`). */
  absolute: string;
  /** Base name. */
  name: string;
  kind: WalkEntryKind;
}

/** Options of {@link walkTree}. */
export interface WalkTreeOptions {
  /** Directory names never entered nor reported, at any depth. Default none; most callers pass `[".git"]`. */
  skipDirs?: readonly string[];
  /**
   * Follow symlinks: classify each link by its target and descend into linked directories.
   * Default false: a link is reported as `symlink` and never descended into. A followed link
   * may leave the root; callers that follow must have checked links first.
   */
  followSymlinks?: boolean;
  /** Keep an entry in the result. Default: every entry. Filtering never stops descent. */
  include?: (entry: WalkEntry) => boolean;
  /** Whether to descend into a directory (after `include` saw it). Default: always. */
  descend?: (entry: WalkEntry) => boolean | Promise<boolean>;
  /** A directory that cannot be read is treated as empty instead of failing the walk. Default false. */
  ignoreUnreadable?: boolean;
  /** Checked before each directory is read. */
  signal?: AbortSignal;
}

function kindOf(d: Dirent | Stats): WalkEntryKind {
  if (d.isFile()) return "file";
  if (d.isDirectory()) return "dir";
  if (d.isSymbolicLink()) return "symlink";
  return "other";
}

/** Walks `root` (not included) and returns its entries as the options select them; see the file comment. */
export async function walkTree(root: string, options: WalkTreeOptions = {}): Promise<WalkEntry[]> {
  const skip = new Set(options.skipDirs ?? []);
  const out: WalkEntry[] = [];
  const walk = async (rel: string): Promise<void> => {
    throwIfAborted(options.signal);
    const dir = rel ? path.join(root, rel) : root;
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (err) {
      if (options.ignoreUnreadable) return;
      throw err;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const d of entries) {
      const entryPath = rel ? `${rel}/${d.name}` : d.name;
      const absolute = path.join(dir, d.name);
      let kind = kindOf(d);
      if (kind === "symlink" && options.followSymlinks) kind = await stat(absolute).then(kindOf, () => "symlink" as const);
      if (kind === "dir" && skip.has(d.name)) continue;
      const entry: WalkEntry = { path: entryPath, absolute, name: d.name, kind };
      if (!options.include || options.include(entry)) out.push(entry);
      if (kind === "dir" && (!options.descend || (await options.descend(entry)))) await walk(entryPath);
    }
  };
  await walk("");
  return out;
}

/**
 * Refusing remote bases: kustomize can fetch `resources:` from git URLs and HTTP at build time,
 * which would put content in the cluster that no commit of the source describes. Starting at the
 * build directory, every kustomization reachable through local directory references is read and
 * any URL entry is an error naming the file and the entry. The directories reached are returned
 * so that the build can check them for symlinks that leave the repository.
 */
import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import { parse } from "yaml";
import { SlipwayError, throwIfAborted } from "../../core/errors.ts";
import { kustomizationFileNames } from "./kustomization-files.ts";

/** Whether a kustomization entry names something remote (a URL, a git host shorthand, a `?ref=`). Pure. */
export function isRemoteEntry(entry: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(entry) || /^git@/.test(entry) || /^(github|gitlab|bitbucket)\.(com|org)\//.test(entry) || /[?&]ref=/.test(entry);
}

/**
 * Throws when a kustomization reachable from `dir` has a remote entry (unless `allowRemote`).
 * `root` is the tree root, for relative names. Returns every local directory reached.
 */
export async function checkNoRemoteBases(root: string, dir: string, signal?: AbortSignal, allowRemote = false): Promise<string[]> {
  const seen = new Set<string>();
  const visit = async (d: string): Promise<void> => {
    throwIfAborted(signal);
    if (seen.has(d)) return;
    seen.add(d);
    let file: string | undefined;
    let text = "";
    for (const n of kustomizationFileNames) {
      try {
        text = await readFile(path.join(d, n), "utf8");
        file = path.join(d, n);
        break;
      } catch {
        /* try the next name */
      }
    }
    if (!file) return;
    const shown = path.relative(root, file);
    let doc: unknown;
    try {
      doc = parse(text);
    } catch (err) {
      throw new SlipwayError(shown, "invalid YAML", { cause: err });
    }
    if (!doc || typeof doc !== "object") return;
    const k = doc as Record<string, unknown>;
    for (const field of ["resources", "bases", "components"]) {
      const list = k[field];
      if (!Array.isArray(list)) continue;
      for (const entry of list) {
        if (typeof entry !== "string") continue;
        if (isRemoteEntry(entry)) {
          if (allowRemote) continue;
          throw new SlipwayError(shown, `${field} entry "${entry}" is remote; remote bases are not allowed (only files in the source are applied)`);
        }
        const target = path.resolve(d, entry);
        const st = await stat(target).catch(() => undefined);
        if (st?.isDirectory()) await visit(target);
      }
    }
  };
  await visit(dir);
  return [...seen];
}

/**
 * Refusing remote bases: kustomize can fetch `resources:` from git URLs and HTTP at build time,
 * which would put content in the cluster that no commit of the source describes. Starting at the
 * build directory, every kustomization reachable through local directory references is read and
 * any URL entry is an error naming the file and the entry. The directories reached are returned
 * so that the build can check them for symlinks that leave the repository, with whether any of
 * their kustomizations makes kustomize read beyond the tree at build time (a chart to fetch).
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

/** What {@link checkNoRemoteBases} found. */
export interface ReachedKustomizations {
  /** Every local directory reached, `dir` first. */
  dirs: string[];
  /**
   * Some kustomization reached has `helmCharts`, `helmGlobals` or `generators` (where
   * HelmChartInflationGenerator lives): its output can change with nothing in the tree changing.
   */
  readsBeyondTree: boolean;
}

/** Fields of a kustomization through which kustomize may fetch at build time (charts). */
const fetchingFields = ["helmCharts", "helmGlobals", "generators"] as const;

/**
 * Throws when a kustomization reachable from `dir` has a remote entry (unless `allowRemote`).
 * `root` is the tree root, for relative names.
 */
export async function checkNoRemoteBases(root: string, dir: string, signal?: AbortSignal, allowRemote = false): Promise<ReachedKustomizations> {
  const seen = new Set<string>();
  let readsBeyondTree = false;
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
    if (fetchingFields.some((f) => k[f] !== undefined)) readsBeyondTree = true;
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
  return { dirs: [...seen], readsBeyondTree };
}

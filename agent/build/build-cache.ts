/**
 * Builds kept between reconciles. A sync's build is a function of the source tree at one commit,
 * the source's ignore patterns, the sync's build settings and the agent's own version, unless a
 * kustomization fetches at build time (`helmCharts`; see {@link BuildSyncResult.fromTreeAlone}).
 * The daemon's reconciles at an unchanged revision (every interval, every no-op of a fleet) then
 * cost neither an export of the tree nor a kustomize process. One entry per sync, the latest,
 * kept on disk as JSON rather than in memory, so that a hundred syncs' builds add nothing to the
 * agent's resident memory between reconciles. What runs after the build (SOPS decryption,
 * postBuild substitution from ConfigMaps and Secrets, Helm charts) reads the cluster and is run
 * on every reconcile as before.
 */
import { createHash } from "node:crypto";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { errorMessage } from "../../core/errors.ts";
import { VERSION } from "../../core/version.ts";
import type { KustomizeOverlay } from "../flux/flux-specs.ts";
import type { BuildSyncResult } from "./build-sync.ts";

/** Everything a build depends on besides the tree's content, which the commit names. */
export interface BuildInputs {
  /** The commit the tree was exported from. */
  sha: string;
  /** The source's ignore patterns (a GitRepository's `spec.ignore`), applied after the export. */
  ignore?: string;
  path: string;
  targetNamespace?: string;
  overlay?: KustomizeOverlay;
  owner?: { sync: string; namespace: string };
  /** How kustomize is run and its version (the runner's `identity`, agent/build/kustomize-runner.ts). */
  kustomize: string;
}

/** The cache key of a build: a digest of its inputs and the agent's version. Pure. */
export function buildKey(inputs: BuildInputs): string {
  const canonical = JSON.stringify([VERSION, inputs.sha, inputs.ignore ?? null, inputs.path, inputs.targetNamespace ?? null, inputs.overlay ?? null, inputs.owner ?? null, inputs.kustomize]);
  return createHash("sha256").update(canonical).digest("hex");
}

/** The last build of each sync. */
export interface BuildCache {
  /** The sync's kept build when it was made from exactly `key`'s inputs; undefined otherwise (and when unreadable). */
  get(sync: string, key: string, signal?: AbortSignal): Promise<BuildSyncResult | undefined>;
  /** Keeps `result` as the sync's build for `key`, replacing the one before. A failed write only loses the saving. */
  put(sync: string, key: string, result: BuildSyncResult, signal?: AbortSignal): Promise<void>;
}

interface Entry {
  key: string;
  result: BuildSyncResult;
}

const isEntry = (v: unknown): v is Entry => {
  if (!v || typeof v !== "object") return false;
  const e = v as Partial<Entry>;
  const r = e.result as Partial<BuildSyncResult> | undefined;
  return typeof e.key === "string" && !!r && Array.isArray(r.objects) && Array.isArray(r.skipped) && Array.isArray(r.fluxObjects) && Array.isArray(r.notificationObjects);
};

/**
 * A cache in `dir` (created on first write), one file per sync. `warn` is told of a write that
 * failed (the next reconcile builds again). Default: failures are silent.
 */
export function createBuildCache(dir: string, warn: (message: string) => void = () => undefined): BuildCache {
  const file = (sync: string): string => path.join(dir, `${createHash("sha256").update(sync).digest("hex").slice(0, 32)}.json`);
  return {
    async get(sync, key, signal) {
      signal?.throwIfAborted();
      let text: string;
      try {
        text = await readFile(file(sync), { encoding: "utf8", ...(signal ? { signal } : {}) });
      } catch {
        return undefined;
      }
      try {
        const entry: unknown = JSON.parse(text);
        return isEntry(entry) && entry.key === key ? entry.result : undefined;
      } catch {
        return undefined;
      }
    },
    async put(sync, key, result, signal) {
      const target = file(sync);
      const temp = `${target}.${process.pid}.tmp`;
      try {
        await mkdir(dir, { recursive: true });
        await writeFile(temp, JSON.stringify({ key, result } satisfies Entry), { ...(signal ? { signal } : {}) });
        await rename(temp, target);
      } catch (err) {
        await rm(temp, { force: true }).catch(() => undefined);
        signal?.throwIfAborted();
        warn(`build cache ${target}: ${errorMessage(err)}`);
      }
    },
  };
}

/**
 * The GitOps half of `slipway bootstrap`, as `flux bootstrap git` does it: clone the manifest
 * repository (sparse: only the synced path), write the agent's install and the root's
 * GitRepository/Kustomization under `<path>/<namespace>/`, commit only when a file changed, and
 * push race-safe (a rejected push re-fetches, rewrites and retries; nothing is ever forced). The
 * credentials Secret is never written here.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseAllDocuments, stringify } from "yaml";
import { SlipwayError } from "../../core/errors.ts";
import { createGitClient, normalizeSparsePath, type GitAuthor, type GitCheckout } from "../../core/git/git-client.ts";
import type { GitAuth } from "../../core/git/git-auth.ts";
import { retry } from "../../core/retry.ts";
import { walkTree } from "../../core/walk-tree.ts";
import { defaultCommitAuthor } from "../../core/well-known.ts";
import type { Logger } from "../../core/log.ts";
import { kustomizationFileNames } from "../../agent/build/kustomization-files.ts";

/** The root's GitRepository and Kustomization file, beside the install. */
export const rootObjectsFile = "slipway-sync.yaml";

/** What {@link commitInstall} is to write, and where. */
export interface InstallCommit {
  url: string;
  branch: string;
  /** The synced path (`./clusters/eks`); the install goes into `<path>/<dir>/`. */
  path: string;
  /** Directory under the path that holds the install (the agent's namespace, as flux-system). */
  dir: string;
  /** Writes the install's files into the given directory (it exists, and may hold the previous install). */
  write: (dir: string) => Promise<void>;
  /** The root objects' YAML, written unless the repository already holds the root's twin. */
  rootObjects: string;
  /** The root sync's name: a Kustomization of that name under the path is its twin. */
  syncName: string;
  auth: GitAuth;
  /** Commit author. Default {@link defaultCommitAuthor}. */
  author?: GitAuthor;
  /** Push attempts when other pushes keep winning. Default 5. */
  maxAttempts?: number;
  log: Logger;
  signal: AbortSignal;
}

/** What {@link commitInstall} did. */
export interface InstallCommitResult {
  /** The branch head that holds the install (the new commit, or the head that already held it). */
  head: string;
  /** Whether a commit was pushed (false: the files in git were already identical). */
  pushed: boolean;
  /** Repository-relative files written. */
  files: string[];
  /** Where the root's twin already is (`clusters/eks/flux-system/gotk-sync.yaml`) and its namespace, when the root objects were not written. */
  twin?: { file: string; namespace: string };
  /** Whether the path has a kustomization file that does not list the install's directory. */
  unlisted: boolean;
  attempts: number;
}

class PushRaceLost extends Error {}

/** Renders the root's GitRepository and Kustomization (Flux v1), as gotk-sync.yaml holds them for Flux. Pure. */
export function renderRootObjects(o: { syncName: string; namespace: string; url: string; branch: string; path: string; interval: string; secretRef?: string; provider?: "aws" }): string {
  const repo = {
    apiVersion: "source.toolkit.fluxcd.io/v1",
    kind: "GitRepository",
    metadata: { name: o.syncName, namespace: o.namespace },
    spec: { interval: o.interval, url: o.url, ref: { branch: o.branch }, ...(o.secretRef ? { secretRef: { name: o.secretRef } } : {}), ...(o.provider ? { provider: o.provider } : {}) },
  };
  const kust = {
    apiVersion: "kustomize.toolkit.fluxcd.io/v1",
    kind: "Kustomization",
    metadata: { name: o.syncName, namespace: o.namespace },
    spec: { interval: o.interval, path: o.path, prune: true, wait: true, sourceRef: { kind: "GitRepository", name: o.syncName } },
  };
  return `# Written by \`slipway bootstrap\`: the root sync and its source; their settings here win over the agent's configuration.\n---\n${stringify(repo)}---\n${stringify(kust)}`;
}

/**
 * Finds, under `dir` (the checkout of the synced path), a Kustomization named `syncName` outside
 * `skip` (the install's own directory): the root's twin that Flux's bootstrap left (gotk-sync.yaml).
 */
async function findTwin(root: string, rel: string, skip: string, syncName: string, signal: AbortSignal): Promise<{ file: string; namespace: string } | undefined> {
  const entries = await walkTree(path.join(root, rel), {
    followSymlinks: false,
    include: (e) => e.kind === "file" && /\.ya?ml$/.test(e.name),
    descend: (e) => Promise.resolve(path.posix.join(rel, e.path) !== skip),
    signal,
  });
  for (const e of entries) {
    const file = path.posix.join(rel, e.path);
    if (file.startsWith(`${skip}/`)) continue;
    const text = await readFile(e.absolute, "utf8");
    if (!text.includes("kustomize.toolkit.fluxcd.io")) continue;
    for (const doc of parseAllDocuments(text)) {
      const v: unknown = "toJS" in doc ? doc.toJS() : undefined;
      if (!v || typeof v !== "object") continue;
      const o = v as { apiVersion?: unknown; kind?: unknown; metadata?: { name?: unknown; namespace?: unknown } };
      if (o.kind === "Kustomization" && typeof o.apiVersion === "string" && o.apiVersion.startsWith("kustomize.toolkit.fluxcd.io/") && o.metadata?.name === syncName) {
        return { file, namespace: typeof o.metadata.namespace === "string" ? o.metadata.namespace : "default" };
      }
    }
  }
  return undefined;
}

/** Whether the path's kustomization file (if any) lists the install's directory. */
async function listsDir(root: string, rel: string, dirName: string): Promise<boolean> {
  for (const name of kustomizationFileNames) {
    const text = await readFile(path.join(root, rel, name), "utf8").catch(() => undefined);
    if (text === undefined) continue;
    return new RegExp(`^\\s*-\\s*["']?(\\./)?${dirName.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}/?["']?\\s*$`, "m").test(text);
  }
  return true;
}

/** Commits the agent's install under the synced path and pushes it; no commit when git already holds the same files. */
export async function commitInstall(c: InstallCommit): Promise<InstallCommitResult> {
  const { signal, log } = c;
  const rel = normalizeSparsePath(c.path);
  const installRel = path.posix.join(rel, c.dir);
  const work = await mkdtemp(path.join(tmpdir(), "slipway-bootstrap-git-"));
  const git = await createGitClient({ auth: c.auth, log });
  try {
    let co: GitCheckout;
    try {
      co = await git.clone({ url: c.url, branch: c.branch, dir: path.join(work, "repo"), sparse: rel ? [rel] : [] }, signal);
    } catch (err) {
      throw new SlipwayError(`--url ${c.url}`, `cannot clone branch ${c.branch}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
    const result: InstallCommitResult = { head: "", pushed: false, files: [], unlisted: false, attempts: 0 };
    await retry(
      async (attempt) => {
        result.attempts = attempt;
        if (attempt > 1) {
          await co.fetch(c.branch, signal);
          await co.resetHard(`refs/remotes/origin/${c.branch}`, signal);
        }
        const target = path.join(co.dir, installRel);
        await mkdir(target, { recursive: true });
        await c.write(target);
        const twin = await findTwin(co.dir, rel, installRel, c.syncName, signal);
        result.twin = twin;
        const kustFile = path.join(target, "kustomization.yaml");
        if (!twin) {
          await writeFile(path.join(target, rootObjectsFile), c.rootObjects);
          const k = await readFile(kustFile, "utf8");
          if (!k.includes(`- ${rootObjectsFile}`)) await writeFile(kustFile, k.replace(/^resources:\n/m, `resources:\n  - ${rootObjectsFile}\n`));
        } else {
          await rm(path.join(target, rootObjectsFile), { force: true });
        }
        result.unlisted = !(await listsDir(co.dir, rel, c.dir));
        const written = await walkTree(target, { followSymlinks: false, include: (e) => e.kind === "file", signal });
        result.files = written.map((e) => path.posix.join(installRel, e.path)).sort();
        const sha = await co.commit({ files: [installRel], message: `Add Slipway agent install to ${installRel}\n\nWritten by slipway bootstrap.\n`, author: c.author ?? defaultCommitAuthor }, signal);
        if (!sha) {
          result.head = await co.head(signal);
          result.pushed = false;
          return;
        }
        const pushed = await co.push({ branch: c.branch }, signal);
        if (pushed.status === "rejected") {
          log.info(`push to ${c.branch} lost a race (${pushed.detail}); fetching and writing again`, { attempt });
          throw new PushRaceLost(pushed.detail);
        }
        result.head = sha;
        result.pushed = pushed.status === "pushed";
      },
      { attempts: c.maxAttempts ?? 5, baseDelayMs: 250, maxDelayMs: 4000, retryable: (err) => err instanceof PushRaceLost, signal },
    ).catch((err: unknown) => {
      if (err instanceof PushRaceLost) throw new SlipwayError(`--branch ${c.branch}`, `the push was rejected ${result.attempts} times because others kept pushing; nothing was forced (run bootstrap again)`, { cause: err });
      throw err;
    });
    return result;
  } finally {
    await git.close();
    await rm(work, { recursive: true, force: true });
  }
}

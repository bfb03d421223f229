/**
 * "Does the agent's revision contain our commit?" for the rollout wait, answered from the manifest
 * repository's history: a blob-less, tree-less clone of the pushed branch made on first need
 * and fetched again (up to 50 commits deep) whenever the agent reports a commit it does not have.
 * Removed by {@link GitHistory.close}.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { GitCheckout, GitClient } from "../core/git/git-client.ts";

/** Ancestry questions about one branch of one repository. */
export interface GitHistory {
  /** Whether `ancestor` is `descendant` or one of its ancestors on the branch. */
  contains(ancestor: string, descendant: string, signal?: AbortSignal): Promise<boolean>;
  /** Removes the clone. */
  close(): Promise<void>;
}

/** Creates the history of `branch` of `url`, cloned through `git` (its credentials) on first use. */
export function gitHistory(git: GitClient, url: string, branch: string): GitHistory {
  let dir: string | undefined;
  let checkout: Promise<GitCheckout> | undefined;
  const open = (signal?: AbortSignal): Promise<GitCheckout> => {
    checkout ??= (async () => {
      dir = await mkdtemp(path.join(tmpdir(), "slipway-rollout-"));
      return git.clone({ url, branch, dir: path.join(dir, "repo"), depth: 1, noCheckout: true }, signal);
    })();
    return checkout;
  };
  return {
    async contains(ancestor, descendant, signal) {
      if (ancestor === descendant) return true;
      const co = await open(signal);
      await co.fetchIfExists(branch, { depth: 50 }, signal);
      return co.isAncestor(ancestor, descendant, signal);
    },
    async close() {
      if (dir) await rm(dir, { recursive: true, force: true });
    },
  };
}

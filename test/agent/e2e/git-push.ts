/**
 * Test helper: commits changes to a test repository's bare directory (a clone, edit, commit,
 * push on disk), as a person pushing to the manifest repository would.
 */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync, cpSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { run } from "../../../core/exec.ts";
import { testGitConfig, type TestGitRepo } from "../../env/harness.ts";

/** Files to write (path → content) or delete (path → null); a directory to copy in with `{ copyFrom }`. */
export type FileChanges = Record<string, string | null | { copyFrom: string }>;

/** Commits `changes` on `branch` of `repo` and returns the new commit's SHA. */
export async function pushChanges(repo: TestGitRepo, branch: string, changes: FileChanges, message = "change"): Promise<string> {
  const work = mkdtempSync(path.join(tmpdir(), "slipway-push-"));
  try {
    await run("git", [...testGitConfig, "clone", "-q", "--branch", branch, repo.bareDir, work]);
    for (const [rel, change] of Object.entries(changes)) {
      const target = path.join(work, rel);
      if (change === null) rmSync(target, { recursive: true, force: true });
      else if (typeof change === "string") {
        mkdirSync(path.dirname(target), { recursive: true });
        writeFileSync(target, change);
      } else cpSync(change.copyFrom, target, { recursive: true });
    }
    await run("git", [...testGitConfig, "-C", work, "add", "-A"]);
    await run("git", [...testGitConfig, "-C", work, "commit", "-q", "--allow-empty", "-m", message]);
    await run("git", [...testGitConfig, "-C", work, "push", "-q", "origin", `HEAD:refs/heads/${branch}`]);
    return (await run("git", ["-C", work, "rev-parse", "HEAD"])).stdout.trim();
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Creates a tag on the branch tip and pushes it; returns the tagged commit. */
export async function pushTag(repo: TestGitRepo, branch: string, tag: string): Promise<string> {
  const sha = (await run("git", ["--git-dir", repo.bareDir, "rev-parse", `refs/heads/${branch}`])).stdout.trim();
  await run("git", [...testGitConfig, "--git-dir", repo.bareDir, "tag", "-a", "-m", tag, tag, sha]);
  return sha;
}

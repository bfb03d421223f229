// Smoke test: git over HTTP (with and without basic auth) and over SSH really clones and pushes.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { run } from "../../core/exec.ts";
import { createGitRepo, gitSshCommand, integration, testGitConfig } from "../env/harness.ts";

function workDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(path.join(tmpdir(), "slipway-smoke-git-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Clones `url`, checks the seeded file, commits a change and pushes it; returns the new commit. */
async function cloneCommitPush(url: string, dir: string, env?: NodeJS.ProcessEnv): Promise<string> {
  const opts = { env: { ...process.env, GIT_TERMINAL_PROMPT: "0", ...env } };
  await run("git", [...testGitConfig, "clone", "-q", url, dir], opts);
  assert.equal(readFileSync(path.join(dir, "app.yaml"), "utf8"), "image: app:1.0.0\n");
  writeFileSync(path.join(dir, "app.yaml"), "image: app:1.0.1\n");
  await run("git", [...testGitConfig, "-C", dir, "commit", "-q", "-am", "bump app to 1.0.1"], opts);
  await run("git", [...testGitConfig, "-C", dir, "push", "-q", "origin", "HEAD:main"], opts);
  return (await run("git", ["-C", dir, "rev-parse", "HEAD"])).stdout.trim();
}

async function serverHead(bareDir: string): Promise<string> {
  return (await run("git", ["--git-dir", bareDir, "rev-parse", "refs/heads/main"])).stdout.trim();
}

test("git over HTTP without auth: clone and push", async (t) => {
  const env = integration(t);
  if (!env) return;
  const repo = await createGitRepo(env, t, { files: { "app.yaml": "image: app:1.0.0\n" } });
  const pushed = await cloneCommitPush(repo.httpUrl, path.join(workDir(t), "clone"));
  assert.equal(await serverHead(repo.bareDir), pushed);
});

test("git over HTTP with basic auth: clone and push; a wrong password is refused", async (t) => {
  const env = integration(t);
  if (!env) return;
  const repo = await createGitRepo(env, t, { files: { "app.yaml": "image: app:1.0.0\n" } });
  const dir = workDir(t);
  const pushed = await cloneCommitPush(repo.httpAuthUrl, path.join(dir, "clone"));
  assert.equal(await serverHead(repo.bareDir), pushed);

  const wrong = new URL(repo.httpAuthUrl);
  wrong.password = "not-the-password";
  await assert.rejects(
    run("git", ["clone", "-q", wrong.toString(), path.join(dir, "refused")], { env: { ...process.env, GIT_TERMINAL_PROMPT: "0" } }),
    /Authentication failed|401/,
  );
  const anonymous = new URL(repo.httpAuthUrl);
  anonymous.username = "";
  anonymous.password = "";
  await assert.rejects(
    run("git", ["clone", "-q", anonymous.toString(), path.join(dir, "anonymous")], { env: { ...process.env, GIT_TERMINAL_PROMPT: "0" } }),
    /Authentication failed|could not read Username|401/,
  );
});

test("git over SSH: clone and push with the generated key, host checked against known_hosts", async (t) => {
  const env = integration(t);
  if (!env) return;
  const repo = await createGitRepo(env, t, { files: { "app.yaml": "image: app:1.0.0\n" } });
  const dir = workDir(t);
  const pushed = await cloneCommitPush(repo.sshUrl, path.join(dir, "clone"), { GIT_SSH_COMMAND: gitSshCommand(env) });
  assert.equal(await serverHead(repo.bareDir), pushed);

  // Another key is refused: the server really authenticates.
  const otherKey = path.join(dir, "other_key");
  await run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", otherKey]);
  const otherSsh = gitSshCommand(env).replace(env.gitSshKey, otherKey);
  await assert.rejects(run("git", ["clone", "-q", repo.sshUrl, path.join(dir, "refused")], { env: { ...process.env, GIT_SSH_COMMAND: otherSsh } }), /Permission denied/);
});

// Which syncs the rollout wait follows, and how it reads their status: repository URLs compared
// whatever the scheme or user, paths by directory, and a sync's state from its revisions. Pure
// parts, plus the wait against a local HTTP server answering as the agent's status API.
import { test } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { coveringSyncs, pathCovers, repositoryKey, waitForRollout, type AgentSync } from "../../../action/rollout-wait.ts";
import { createLogger } from "../../../core/log.ts";

test("repositoryKey: one key for the https, ssh and scp forms of a repository", () => {
  const want = "github.com/acme/shop-manifests";
  for (const u of ["https://github.com/acme/shop-manifests.git", "https://GitHub.com/acme/shop-manifests/", "ssh://git@github.com/acme/shop-manifests.git", "git@github.com:acme/shop-manifests.git", "http://x-access-token@github.com/acme/shop-manifests"]) {
    assert.equal(repositoryKey(u), want, u);
  }
  assert.equal(repositoryKey("codecommit::ap-northeast-2://shop"), repositoryKey("https://git-codecommit.ap-northeast-2.amazonaws.com/v1/repos/shop"));
  assert.notEqual(repositoryKey("https://github.com/acme/other.git"), want);
  assert.notEqual(repositoryKey("http://127.0.0.1:8080/git/a.git"), repositoryKey("http://127.0.0.1:9090/git/a.git"));
});

test("pathCovers: by directory, ./ and the root cover everything", () => {
  assert.equal(pathCovers("./clusters/eks", "clusters/eks/shop/account.yaml"), true);
  assert.equal(pathCovers("clusters/eks/", "clusters/eks/shop/account.yaml"), true);
  assert.equal(pathCovers("./", "README.md"), true);
  assert.equal(pathCovers(".", "a/b.yaml"), true);
  assert.equal(pathCovers("./clusters/eks", "clusters/eks-dev/x.yaml"), false);
  assert.equal(pathCovers("./clusters/dev", "clusters/eks/x.yaml"), false);
});

test("coveringSyncs: the same repository and branch, a changed file under the path", () => {
  const repository = (url: string, branch = "eks") => ({ name: "m", url, ref: { branch } });
  const syncs: AgentSync[] = [
    { name: "shop", path: "./clusters/eks/shop", repository: repository("git@github.com:acme/m.git") },
    { name: "infra", path: "./clusters/eks/infra", repository: repository("https://github.com/acme/m") },
    { name: "other-branch", path: "./", repository: repository("https://github.com/acme/m", "main") },
    { name: "other-repo", path: "./", repository: repository("https://github.com/acme/x") },
    { name: "no-spec" },
  ];
  assert.deepEqual(coveringSyncs(syncs, "https://github.com/acme/m.git", "eks", ["clusters/eks/shop/account.yaml"]).map((s) => s.name), ["shop"]);
});

test("waitForRollout: healthy once a later revision that contains the commit is applied; a failure returns the agent's message", async (t) => {
  const commit = "a".repeat(40);
  const later = "b".repeat(40);
  const answers: AgentSync[][] = [];
  const base: AgentSync = { name: "shop", path: "./", repository: { name: "m", url: "https://git.example/m.git", ref: { branch: "eks" } } };
  const server = http.createServer((req, res) => {
    if (req.headers.authorization !== "Bearer tok") {
      res.writeHead(401).end("{}");
      return;
    }
    const next = answers.length > 1 ? answers.shift() : answers[0];
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ syncs: next }));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  t.after(() => server.close());
  const agentUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const log = createLogger({ level: "error" });
  const options = { agentUrl, token: "tok", repoUrl: "https://git.example/m", branch: "eks", commit, changedFiles: ["a.yaml"], timeoutMs: 10_000, intervalMs: 20, log };
  const asked: string[] = [];
  const contains = async (a: string, d: string) => {
    asked.push(d);
    return a === commit && d === later;
  };
  answers.push(
    [{ ...base, ready: "True", reason: "ReconciliationSucceeded", lastAppliedRevision: `eks@sha1:${"c".repeat(40)}` }],
    [{ ...base, ready: "Unknown", reason: "Progressing", lastAppliedRevision: `eks@sha1:${"c".repeat(40)}`, lastAttemptedRevision: `eks@sha1:${later}` }],
    [{ ...base, ready: "True", reason: "ReconciliationSucceeded", lastAppliedRevision: `eks@sha1:${later}` }],
  );
  const ok = await waitForRollout({ ...options, contains });
  assert.equal(ok.result, "healthy");
  assert.deepEqual(ok.syncs, ["shop"]);
  assert.ok(asked.includes(later));

  answers.length = 0;
  answers.push([{ ...base, ready: "False", reason: "HealthCheckFailed", message: "Deployment/shop/account: progress deadline exceeded", lastAttemptedRevision: `eks@sha1:${commit}` }]);
  const bad = await waitForRollout({ ...options, contains });
  assert.equal(bad.result, "failed");
  assert.equal(bad.message, "shop: HealthCheckFailed: Deployment/shop/account: progress deadline exceeded");

  answers.length = 0;
  answers.push([{ ...base, ready: "False", reason: "DependencyNotReady", message: "dependencies not ready", lastAttemptedRevision: `eks@sha1:${commit}` }]);
  const waiting = await waitForRollout({ ...options, contains, timeoutMs: 100 });
  assert.equal(waiting.result, "timeout", "a sync waiting for its dependencies is waited for");
  assert.match(waiting.message, /^not rolled out after 0s: shop: not at the commit yet \(DependencyNotReady/);

  await assert.rejects(waitForRollout({ ...options, token: "wrong", contains }), /^SlipwayError: input agent-token: .* refused the token \(401\)/);
  const none = await waitForRollout({ ...options, repoUrl: "https://git.example/other.git", contains });
  assert.equal(none.result, "failed");
  assert.match(none.message, /^no sync of the agent applies a\.yaml on branch eks: none of its 1 syncs follows/);
});

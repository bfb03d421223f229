import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { integration, createGitRepo } from "../../env/harness.ts";
import { createGitSource } from "../../../agent/source/git-source.ts";
import type { SourceConfig } from "../../../agent/config/agent-config.ts";
import { run } from "../../../core/exec.ts";
import { pushChanges, pushTag } from "../e2e/git-push.ts";

const source = (url: string, ref: SourceConfig["ref"], name = "src"): SourceConfig => ({ name, url, ref, intervalMs: 60_000, timeoutMs: 30_000, provider: "generic" });

test("fetches a branch over HTTP, then only what is new; exports a revision's tree", async (t) => {
  const env = integration(t);
  if (!env) return;
  const repo = await createGitRepo(env, t, { branch: "eks", files: { "clusters/eks/a.yaml": "a: 1\n" } });
  const cache = mkdtempSync(path.join(tmpdir(), "slipway-cache-"));
  const src = createGitSource({ source: source(repo.httpUrl, { branch: "eks" }), cacheDir: cache });
  const first = await src.fetch({ kind: "none" });
  const head = (await run("git", ["--git-dir", repo.bareDir, "rev-parse", "refs/heads/eks"])).stdout.trim();
  assert.equal(first.sha, head);
  assert.equal(first.revision, `eks@sha1:${head}`);
  const shallow = readFileSync(path.join(cache, "src.git", "shallow"), "utf8").trim();
  assert.equal(shallow, head, "the clone is shallow (depth 1)");

  const second = await pushChanges(repo, "eks", { "clusters/eks/b.yaml": "b: 2\n" });
  const next = await src.fetch({ kind: "none" });
  assert.equal(next.sha, second);
  const commits = (await run("git", ["--git-dir", path.join(cache, "src.git"), "rev-list", "--count", "--all"])).stdout.trim();
  assert.ok(Number(commits) <= 2, `only the tips are present (${commits} commits)`);

  const out = path.join(mkdtempSync(path.join(tmpdir(), "slipway-export-")), "tree");
  await src.export(next.sha, out);
  assert.equal(readFileSync(path.join(out, "clusters/eks/b.yaml"), "utf8"), "b: 2\n");
  const old = path.join(path.dirname(out), "old");
  await src.export(first.sha, old);
  assert.ok(!existsSync(path.join(old, "clusters/eks/b.yaml")), "an older revision's tree is exported as it was");
});

test("basic auth over HTTP; bad credentials fail naming the source, with no secret in the message", async (t) => {
  const env = integration(t);
  if (!env) return;
  const repo = await createGitRepo(env, t, { files: { "x.yaml": "x: 1\n" } });
  const url = `${env.gitHttpAuthUrl}/${repo.name}.git`;
  const cache = mkdtempSync(path.join(tmpdir(), "slipway-cache-"));
  const src = createGitSource({ source: source(url, { branch: "main" }), cacheDir: cache });
  const ok = await src.fetch({ kind: "basic", username: env.gitHttpUser, password: env.gitHttpPassword });
  assert.match(ok.revision, /^main@sha1:[0-9a-f]{40}$/);
  const bad = createGitSource({ source: source(url, { branch: "main" }, "bad"), cacheDir: cache });
  await assert.rejects(bad.fetch({ kind: "basic", username: env.gitHttpUser, password: "wrong-password-123" }), (err: Error) => {
    assert.match(err.message, new RegExp(`^source bad: cannot fetch branch main of ${url.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}`));
    assert.ok(!err.message.includes("wrong-password-123"), err.message);
    return true;
  });
  await assert.rejects(bad.fetch({ kind: "none" }), /source bad: cannot fetch/);
});

test("SSH with an identity and pinned known_hosts; an unknown host key is refused", async (t) => {
  const env = integration(t);
  if (!env) return;
  const repo = await createGitRepo(env, t, { branch: "eks", files: { "x.yaml": "x: 1\n" } });
  const cache = mkdtempSync(path.join(tmpdir(), "slipway-cache-"));
  const key = readFileSync(env.gitSshKey, "utf8");
  const known = readFileSync(env.gitSshKnownHosts, "utf8");
  const src = createGitSource({ source: source(repo.sshUrl, { branch: "eks" }), cacheDir: cache });
  const got = await src.fetch({ kind: "ssh", privateKey: key, knownHosts: known });
  assert.match(got.revision, /^eks@sha1:/);
  const strict = createGitSource({ source: source(repo.sshUrl, { branch: "eks" }, "strict"), cacheDir: cache });
  await assert.rejects(strict.fetch({ kind: "ssh", privateKey: key, knownHosts: "127.0.0.1 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE3tMKYFzZ4C4U4Ktk8dJ+4h8t0m8dEy0LJ5x3c3dcdX\n" }), /source strict: cannot fetch branch eks/);
});

test("tags and pinned commits; a missing branch is an error naming it", async (t) => {
  const env = integration(t);
  if (!env) return;
  const repo = await createGitRepo(env, t, { files: { "x.yaml": "x: 1\n" } });
  const tagged = await pushTag(repo, "main", "v1.0.0");
  await pushChanges(repo, "main", { "y.yaml": "y: 1\n" });
  const cache = mkdtempSync(path.join(tmpdir(), "slipway-cache-"));
  const tag = await createGitSource({ source: source(repo.httpUrl, { tag: "v1.0.0" }, "tag"), cacheDir: cache }).fetch({ kind: "none" });
  assert.equal(tag.revision, `v1.0.0@sha1:${tagged}`, "an annotated tag resolves to its commit");
  const pinned = await createGitSource({ source: source(repo.httpUrl, { commit: tagged }, "pin"), cacheDir: cache }).fetch({ kind: "none" });
  assert.equal(pinned.revision, `sha1:${tagged}`);
  await assert.rejects(createGitSource({ source: source(repo.httpUrl, { branch: "nope" }, "nope"), cacheDir: cache }).fetch({ kind: "none" }), /^SlipwayError: source nope: cannot fetch branch nope/);
});

test("a bearer token goes in an Authorization header, never on the command line", async (t) => {
  const env = integration(t);
  if (!env) return;
  const repo = await createGitRepo(env, t, { files: { "x.yaml": "x: 1\n" } });
  // A proxy in front of the anonymous git server that demands the token.
  const { createServer, request } = await import("node:http");
  const seen: string[] = [];
  const upstream = new URL(repo.httpUrl);
  const proxy = createServer((req, res) => {
    seen.push(req.headers.authorization ?? "");
    if (req.headers.authorization !== "Bearer t0ken-for-git") {
      res.writeHead(401, { "WWW-Authenticate": 'Bearer realm="git"' }).end();
      return;
    }
    const path = (req.url ?? "/").replace(/^\/r\.git/, upstream.pathname);
    const up = request({ host: upstream.hostname, port: upstream.port, path, method: req.method, headers: { ...req.headers, host: upstream.host } }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    req.pipe(up);
  });
  await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
  t.after(() => new Promise<void>((resolve) => proxy.close(() => resolve())));
  const port = (proxy.address() as { port: number }).port;
  const cache = mkdtempSync(path.join(tmpdir(), "slipway-cache-"));
  const src = createGitSource({ source: source(`http://127.0.0.1:${port}/r.git`, { branch: "main" }, "bearer"), cacheDir: cache });
  const got = await src.fetch({ kind: "bearer", token: "t0ken-for-git" });
  assert.match(got.revision, /^main@sha1:[0-9a-f]{40}$/);
  assert.ok(seen.every((h) => h === "Bearer t0ken-for-git"), "every request carried the token");
  await assert.rejects(createGitSource({ source: source(`http://127.0.0.1:${port}/r.git`, { branch: "main" }, "nobearer"), cacheDir: cache }).fetch({ kind: "bearer", token: "wrong-token-x" }), (err: Error) => {
    assert.match(err.message, /^source nobearer: cannot fetch branch main/);
    assert.ok(!err.message.includes("wrong-token-x"));
    return true;
  });
});

test("semver: the highest matching tag of the remote, followed as tags are added; ref.name fetches any reference", async (t) => {
  const env = integration(t);
  if (!env) return;
  const repo = await createGitRepo(env, t, { files: { "x.yaml": "x: 1\n" } });
  const v100 = await pushTag(repo, "main", "v1.0.0");
  await pushChanges(repo, "main", { "x.yaml": "x: 2\n" });
  const v120 = await pushTag(repo, "main", "v1.2.0");
  await pushChanges(repo, "main", { "x.yaml": "x: 3\n" });
  await pushTag(repo, "main", "v2.0.0");
  await pushTag(repo, "main", "not-a-version");
  const cache = mkdtempSync(path.join(tmpdir(), "slipway-cache-"));
  const src = createGitSource({ source: source(repo.httpUrl, { semver: ">=1.0.0 <2.0.0" }, "semver"), cacheDir: cache });
  const first = await src.fetch({ kind: "none" });
  assert.equal(first.revision, `v1.2.0@sha1:${v120}`, "the highest tag in the range, not v2.0.0");
  assert.notEqual(v100, v120);
  const out = path.join(mkdtempSync(path.join(tmpdir(), "slipway-export-")), "tree");
  await src.export(first.sha, out);
  assert.equal(readFileSync(path.join(out, "x.yaml"), "utf8"), "x: 2\n");
  const v130 = await pushChanges(repo, "main", { "x.yaml": "x: 4\n" });
  await pushTag(repo, "main", "v1.3.0");
  assert.equal((await src.fetch({ kind: "none" })).revision, `v1.3.0@sha1:${v130}`, "a new tag in the range is taken at the next fetch");
  await assert.rejects(createGitSource({ source: source(repo.httpUrl, { semver: ">=3.0.0" }, "none"), cacheDir: cache }).fetch({ kind: "none" }), (err: Error) => {
    assert.match(err.message, /^source none: cannot fetch semver range >=3\.0\.0 of /);
    assert.match(String(err.cause), /no match found for semver: >=3\.0\.0/);
    return true;
  });

  // A pull request head: a reference outside refs/heads and refs/tags.
  const pr = (await run("git", ["--git-dir", repo.bareDir, "rev-parse", "refs/heads/main~1"])).stdout.trim();
  await run("git", ["--git-dir", repo.bareDir, "update-ref", "refs/pull/7/head", pr]);
  const named = await createGitSource({ source: source(repo.httpUrl, { name: "refs/pull/7/head" }, "named"), cacheDir: cache }).fetch({ kind: "none" });
  assert.equal(named.revision, `refs/pull/7/head@sha1:${pr}`, "the revision names the reference in full, as Flux writes it");
  const tagByName = await createGitSource({ source: source(repo.httpUrl, { name: "refs/tags/v1.0.0" }, "tagname"), cacheDir: cache }).fetch({ kind: "none" });
  assert.equal(tagByName.revision, `refs/tags/v1.0.0@sha1:${v100}`, "an annotated tag by name resolves to its commit");
  await assert.rejects(createGitSource({ source: source(repo.httpUrl, { name: "refs/pull/8/head" }, "gone"), cacheDir: cache }).fetch({ kind: "none" }), /^SlipwayError: source gone: cannot fetch ref refs\/pull\/8\/head/);
});

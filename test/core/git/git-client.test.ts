// git-client against the real test git servers: HTTP with basic auth, SSH with a key, and the
// failures a CI step must name (bad credentials, missing branch, unreachable host, lost race).
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, readdir, rm, writeFile, stat } from "node:fs/promises";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createGitRepo, integration, type TestEnv } from "../../env/harness.ts";
import { createGitClient } from "../../../core/git/git-client.ts";
import { GitError } from "../../../core/git/git-error.ts";
import { run } from "../../../core/exec.ts";

const author = { name: "CI Bot", email: "ci@example.invalid" };

async function tempDir(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), "slipway-git-test-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

const basic = (env: TestEnv) => ({ kind: "basic" as const, username: env.gitHttpUser, password: env.gitHttpPassword });

test("HTTP with basic auth: shallow sparse clone, commit with the given author, push, ls-remote", async (t) => {
  const env = integration(t);
  if (!env) return;
  const repo = await createGitRepo(env, t, { files: { "clusters/eks/app.yaml": "image: a:1\n", "other/big.yaml": "x: 1\n", "README.md": "r\n" } });
  const url = `${env.gitHttpAuthUrl}/${repo.name}.git`;
  // A runner's own identity in the environment does not override the given author.
  const runnerIdentity = { GIT_AUTHOR_NAME: "Runner", GIT_AUTHOR_EMAIL: "runner@example.invalid", GIT_COMMITTER_NAME: "Runner", GIT_COMMITTER_EMAIL: "runner@example.invalid" };
  const git = await createGitClient({ auth: basic(env), env: { ...process.env, ...runnerIdentity } });
  t.after(() => git.close());
  const dir = path.join(await tempDir(t), "wt");
  const co = await git.clone({ url, branch: "main", dir, sparse: ["./clusters/eks"] }, AbortSignal.timeout(30_000));
  assert.equal(co.branch, "main");
  assert.ok(existsSync(path.join(dir, "clusters/eks/app.yaml")));
  assert.ok(!existsSync(path.join(dir, "other/big.yaml")), "sparse checkout left other/ out");
  assert.equal((await run("git", ["-C", dir, "rev-parse", "--is-shallow-repository"])).stdout.trim(), "true");
  assert.equal(await co.commit({ files: [], message: "nothing", author }), undefined, "no change, no commit");
  await writeFile(path.join(dir, "clusters/eks/app.yaml"), "image: a:2\n");
  const sha = await co.commit({ files: ["clusters/eks/app.yaml"], message: "bump a\n\n[ci skip]\n", author });
  assert.match(sha ?? "", /^[0-9a-f]{40}$/);
  const pushed = await co.push({ branch: "main" });
  assert.equal(pushed.status, "pushed");
  const heads = await git.lsRemote(url, ["main", "nope"]);
  assert.equal(heads.get("main"), sha);
  assert.equal(heads.has("nope"), false);
  const log = (await run("git", ["--git-dir", repo.bareDir, "log", "-1", "--format=%an <%ae>|%cn <%ce>|%B", "main"])).stdout;
  assert.equal(log.trim(), "CI Bot <ci@example.invalid>|CI Bot <ci@example.invalid>|bump a\n\n[ci skip]");
  // The other directory is still in the pushed tree: sparse checkout does not drop files.
  const tree = (await run("git", ["--git-dir", repo.bareDir, "ls-tree", "-r", "--name-only", "main"])).stdout;
  assert.deepEqual(tree.trim().split("\n").sort(), ["README.md", "clusters/eks/app.yaml", "other/big.yaml"]);
});

test("SSH with a private key and known_hosts; the key file is removed on close", async (t) => {
  const env = integration(t);
  if (!env) return;
  const repo = await createGitRepo(env, t, { files: { "a.yaml": "v: 1\n" } });
  const privateKey = await readFile(env.gitSshKey, "utf8");
  const knownHosts = await readFile(env.gitSshKnownHosts, "utf8");
  const before = new Set((await readdir(tmpdir())).filter((n) => n.startsWith("slipway-git-auth-")));
  const git = await createGitClient({ auth: { kind: "ssh", privateKey, knownHosts } });
  const created = (await readdir(tmpdir())).filter((n) => n.startsWith("slipway-git-auth-") && !before.has(n));
  assert.equal(created.length, 1);
  const keyMode = (await stat(path.join(tmpdir(), created[0]!, "id"))).mode & 0o777;
  assert.equal(keyMode, 0o600);
  const dir = path.join(await tempDir(t), "wt");
  const co = await git.clone({ url: repo.sshUrl, dir }, AbortSignal.timeout(30_000));
  assert.equal(co.branch, "main", "default branch from the remote HEAD");
  await writeFile(path.join(dir, "a.yaml"), "v: 2\n");
  const sha = await co.commit({ files: ["a.yaml"], message: "over ssh", author });
  assert.equal((await co.push({ branch: "main" })).status, "pushed");
  assert.equal((await run("git", ["--git-dir", repo.bareDir, "rev-parse", "main"])).stdout.trim(), sha);
  await git.close();
  assert.equal(existsSync(path.join(tmpdir(), created[0]!)), false);
});

test("SSH with a wrong known_hosts is a host-key error", async (t) => {
  const env = integration(t);
  if (!env) return;
  const repo = await createGitRepo(env, t);
  const privateKey = await readFile(env.gitSshKey, "utf8");
  const port = new URL(env.gitSshUrl).port;
  const knownHosts = `[127.0.0.1]:${port} ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl\n`;
  const git = await createGitClient({ auth: { kind: "ssh", privateKey, knownHosts } });
  t.after(() => git.close());
  await assert.rejects(git.lsRemote(repo.sshUrl, ["main"]), (err: unknown) => err instanceof GitError && err.reason === "host-key");
});

test("bad credentials, missing branch and unreachable host are named, and no secret is in the message", async (t) => {
  const env = integration(t);
  if (!env) return;
  const repo = await createGitRepo(env, t);
  const url = `${env.gitHttpAuthUrl}/${repo.name}.git`;
  const wrong = await createGitClient({ auth: { kind: "basic", username: env.gitHttpUser, password: "not-the-password-4711" } });
  t.after(() => wrong.close());
  await assert.rejects(wrong.lsRemote(url, ["main"]), (err: unknown) => {
    assert.ok(err instanceof GitError);
    assert.equal(err.reason, "auth");
    assert.ok(!String(err.message).includes("not-the-password-4711"));
    return true;
  });
  const good = await createGitClient({ auth: basic(env) });
  t.after(() => good.close());
  const dir = await tempDir(t);
  await assert.rejects(good.clone({ url, branch: "eks", dir: path.join(dir, "a") }), (err: unknown) => {
    assert.ok(err instanceof GitError);
    assert.equal(err.reason, "branch-not-found");
    assert.match(err.message, /branch eks does not exist/);
    return true;
  });
  await assert.rejects(good.lsRemote("http://127.0.0.1:9/nothing.git", ["main"]), (err: unknown) => err instanceof GitError && err.reason === "unreachable");
});

test("a push that lost the race is 'rejected' (never forced); fetch + reset + redo then lands", async (t) => {
  const env = integration(t);
  if (!env) return;
  const repo = await createGitRepo(env, t, { files: { "a.yaml": "a: 1\n", "b.yaml": "b: 1\n" } });
  const url = `${env.gitHttpAuthUrl}/${repo.name}.git`;
  const git = await createGitClient({ auth: basic(env) });
  t.after(() => git.close());
  const base = await tempDir(t);
  const one = await git.clone({ url, dir: path.join(base, "one") });
  const two = await git.clone({ url, dir: path.join(base, "two") });
  await writeFile(path.join(one.dir, "a.yaml"), "a: 2\n");
  await one.commit({ files: ["a.yaml"], message: "a", author });
  assert.equal((await one.push({ branch: "main" })).status, "pushed");
  await writeFile(path.join(two.dir, "b.yaml"), "b: 2\n");
  await two.commit({ files: ["b.yaml"], message: "b", author });
  const lost = await two.push({ branch: "main" });
  assert.equal(lost.status, "rejected");
  assert.match(lost.detail, /fetch first|non-fast-forward/);
  const remoteHead = await two.fetch("main");
  await two.resetHard(`refs/remotes/origin/main`);
  assert.equal(await two.head(), remoteHead);
  assert.equal(await readFile(path.join(two.dir, "a.yaml"), "utf8"), "a: 2\n");
  await writeFile(path.join(two.dir, "b.yaml"), "b: 2\n");
  await two.commit({ files: ["b.yaml"], message: "b again", author });
  assert.equal((await two.push({ branch: "main" })).status, "pushed");
  const log = (await run("git", ["--git-dir", repo.bareDir, "log", "--format=%s", "main"])).stdout.trim().split("\n");
  assert.deepEqual(log, ["b again", "a", "initial commit"]);
});

test("grep finds files in the object store; checkoutOnly writes just those; the rest of the tree survives a commit", async (t) => {
  const env = integration(t);
  if (!env) return;
  const files: Record<string, string> = { "README.md": "r\n", "a/one.yaml": 'x: 1 # {"$imagepolicy": "ns:one"}\n', "a/two.yaml": "x: 2\n", "b/[odd] #name.yml": 'y: 1 # {"$imagepolicy": "ns:odd"}\n', "b/Kustomization": 'z: 1 # {"$imagepolicy": "ns:k"}\n' };
  const repo = await createGitRepo(env, t, { files });
  const git = await createGitClient({ auth: basic(env) });
  t.after(() => git.close());
  const dir = path.join(await tempDir(t), "wt");
  const co = await git.clone({ url: `${env.gitHttpAuthUrl}/${repo.name}.git`, dir, noCheckout: true, blobless: false });
  const found = await co.grep("HEAD", ['"$imagepolicy"'], [":(glob)**/*.yaml", ":(glob)**/*.yml", ":(glob)**/Kustomization"]);
  assert.deepEqual(found.sort(), ["a/one.yaml", "b/Kustomization", "b/[odd] #name.yml"]);
  await co.checkoutOnly("HEAD", found);
  assert.ok(existsSync(path.join(dir, "b/[odd] #name.yml")) && existsSync(path.join(dir, "a/one.yaml")));
  assert.ok(!existsSync(path.join(dir, "a/two.yaml")) && !existsSync(path.join(dir, "README.md")));
  assert.equal(await co.exists("HEAD", "a"), true);
  assert.equal(await co.exists("HEAD", "./a/two.yaml"), true);
  assert.equal(await co.exists("HEAD", "nope/dir"), false);
  await writeFile(path.join(dir, "a/one.yaml"), 'x: 9 # {"$imagepolicy": "ns:one"}\n');
  await co.commit({ files: ["a/one.yaml"], message: "m", author });
  assert.equal((await co.push({ branch: "main" })).status, "pushed");
  const tree = (await run("git", ["--git-dir", repo.bareDir, "ls-tree", "-r", "--name-only", "main"])).stdout.trim().split("\n").sort();
  assert.deepEqual(tree, Object.keys(files).sort());
  assert.equal((await run("git", ["--git-dir", repo.bareDir, "show", "main:a/two.yaml"])).stdout, "x: 2\n");
});

test("changes, readBlobs and commitFiles: a commit on another tip without the index or work tree, its message cleaned as git commit cleans it", async (t) => {
  const env = integration(t);
  if (!env) return;
  const files: Record<string, string> = { "README.md": "r\n", "a/one.yaml": "x: 1\n", "b/two.yaml": "y: 1\n", '"q" #odd.yml': "q: 1\n" };
  const repo = await createGitRepo(env, t, { files });
  const url = `${env.gitHttpAuthUrl}/${repo.name}.git`;
  const git = await createGitClient({ auth: basic(env) });
  t.after(() => git.close());
  const dir = path.join(await tempDir(t), "wt");
  const co = await git.clone({ url, dir, blobless: false });
  const first = await co.head();
  // Messages as a template and trailers may produce them: git commit -F is the reference.
  const messages = ["plain", "  \n\nsubject  \n\n\n\nbody\t\n\nSigned-off-by: CI <ci@example.invalid>\n\n", "ünïcode: bump → 2\r\n"];
  let parent = first;
  for (const [i, message] of messages.entries()) {
    await writeFile(path.join(dir, "b/two.yaml"), `y: ${i + 2}\n`);
    const byGit = await co.commit({ files: ["b/two.yaml"], message, author });
    const byPlumbing = await co.commitFiles({ parent, files: [{ path: "b/two.yaml", content: `y: ${i + 2}\n` }], message, author });
    const body = async (sha: string): Promise<string> => (await run("git", ["-C", dir, "cat-file", "commit", sha])).stdout.split("\n\n").slice(1).join("\n\n");
    assert.equal(await body(byPlumbing), await body(byGit!), `message ${JSON.stringify(message)}`);
    assert.equal((await run("git", ["-C", dir, "rev-parse", `${byPlumbing}^{tree}`])).stdout, (await run("git", ["-C", dir, "rev-parse", `${byGit!}^{tree}`])).stdout);
    parent = byGit!;
  }
  await assert.rejects(co.commitFiles({ parent, files: [], message: " \n\n", author }), /^SlipwayError: commit message: is empty/);

  const sha = await co.commitFiles(
    {
      parent: first,
      files: [
        { path: "a/one.yaml", content: "x: 2\n", mode: "100755" },
        { path: "a/new.yaml", content: Buffer.from([0xff, 0x0a]) },
        { path: '"q" #odd.yml', content: "q: 2\n" },
      ],
      message: "plumbing",
      author,
    },
  );
  assert.equal(await co.head(), parent, "HEAD did not move");
  assert.equal(await readFile(path.join(dir, "a/one.yaml"), "utf8"), "x: 1\n", "the work tree was not touched");
  assert.equal((await run("git", ["-C", dir, "log", "-1", "--format=%an <%ae>|%cn <%ce>|%P|%B", sha])).stdout.trim(), `CI Bot <ci@example.invalid>|CI Bot <ci@example.invalid>|${first}|plumbing`);
  const changes = await co.changes(first, sha);
  assert.deepEqual(
    changes.map((c) => [c.status, c.path, c.oldMode, c.newMode]),
    [
      ["M", '"q" #odd.yml', "100644", "100644"],
      ["A", "a/new.yaml", "000000", "100644"],
      ["M", "a/one.yaml", "100644", "100755"],
    ],
  );
  const blobs = await co.readBlobs([...changes.map((c) => c.newBlob), `${sha}:a/one.yaml`, `${sha}:nope.yaml`, "bad\nname"]);
  assert.deepEqual(
    changes.map((c) => blobs.get(c.newBlob)),
    [Buffer.from("q: 2\n"), Buffer.from([0xff, 0x0a]), Buffer.from("x: 2\n")],
  );
  assert.deepEqual(blobs.get(`${sha}:a/one.yaml`), Buffer.from("x: 2\n"));
  assert.equal(blobs.has(`${sha}:nope.yaml`), false);
  assert.equal(blobs.has("bad\nname"), false);
  assert.equal((await co.push({ branch: "side", rev: sha })).status, "pushed");
  assert.equal((await run("git", ["--git-dir", repo.bareDir, "rev-parse", "side"])).stdout.trim(), sha);
});

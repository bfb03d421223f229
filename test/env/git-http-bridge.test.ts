// The git HTTP bridge: header parsing and basic-auth checks, and a real clone and push through a
// bridge started in the test (port chosen by the kernel, stopped at the end).
import { test } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { run } from "../../core/exec.ts";
import { basicAuthMatches, createGitHttpBridge, parseCgiHead } from "./git-http-bridge.ts";
import { testGitConfig } from "./harness.ts";

test("parseCgiHead reads Status and keeps the other headers", () => {
  assert.deepEqual(parseCgiHead("Status: 404 Not Found\r\nContent-Type: text/plain\r\nExpires: 0"), {
    status: 404,
    headers: [
      ["Content-Type", "text/plain"],
      ["Expires", "0"],
    ],
  });
  assert.equal(parseCgiHead("Content-Type: application/x-git-upload-pack-advertisement").status, 200);
});

test("basicAuthMatches accepts only the exact user and password", () => {
  const header = (s: string): string => `Basic ${Buffer.from(s).toString("base64")}`;
  assert.equal(basicAuthMatches(header("u:p:w"), "u", "p:w"), true);
  assert.equal(basicAuthMatches(header("u:p"), "u", "p:w"), false);
  assert.equal(basicAuthMatches(header("v:p:w"), "u", "p:w"), false);
  assert.equal(basicAuthMatches(undefined, "u", "p"), false);
  assert.equal(basicAuthMatches("Bearer x", "u", "p"), false);
});

test("clone and push through the bridge; /auth refuses without credentials; .. is rejected", async (t) => {
  const root = mkdtempSync(path.join(tmpdir(), "slipway-bridge-"));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const server = createGitHttpBridge({ root: path.join(root, "repos"), user: "u", password: "pw" });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  await run("git", ["init", "-q", "--bare", "-b", "main", path.join(root, "repos", "r.git")]);
  const env = { ...process.env, GIT_TERMINAL_PROMPT: "0" };

  const work = path.join(root, "work");
  await run("git", [...testGitConfig, "clone", "-q", `${base}/git/r.git`, work], { env });
  writeFileSync(path.join(work, "f.txt"), "one\n");
  await run("git", [...testGitConfig, "-C", work, "add", "f.txt"]);
  await run("git", [...testGitConfig, "-C", work, "commit", "-q", "-m", "one"]);
  await run("git", [...testGitConfig, "-C", work, "push", "-q", "origin", "HEAD:main"], { env });
  const head = (await run("git", ["--git-dir", path.join(root, "repos", "r.git"), "rev-parse", "main"])).stdout.trim();
  assert.equal(head, (await run("git", ["-C", work, "rev-parse", "HEAD"])).stdout.trim());

  const { stdout } = await run("git", ["ls-remote", `http://u:pw@127.0.0.1:${(server.address() as AddressInfo).port}/auth/r.git`], { env });
  assert.match(stdout, new RegExp(`^${head}\\s+refs/heads/main$`, "m"));
  const anon = await fetch(`${base}/auth/r.git/info/refs?service=git-upload-pack`);
  assert.equal(anon.status, 401);
  assert.match(anon.headers.get("www-authenticate") ?? "", /^Basic /);
  // A raw request (fetch would normalise the path) trying to leave the root.
  const traversal = await new Promise<number>((resolve, reject) => {
    http.get({ host: "127.0.0.1", port: (server.address() as AddressInfo).port, path: "/git/../repos/r.git/info/refs" }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    }).on("error", reject);
  });
  assert.equal(traversal, 404);
  assert.equal((await fetch(`${base}/git/missing.git/info/refs?service=git-upload-pack`)).status, 404);
});

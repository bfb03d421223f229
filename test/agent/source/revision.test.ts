import { test } from "node:test";
import assert from "node:assert/strict";
import { formatRevision, revisionSha } from "../../../agent/source/revision.ts";
import { authFromSecret } from "../../../agent/source/source-credentials.ts";

const sha = "0123456789abcdef0123456789abcdef01234567";

test("revisions are written as Flux writes them", () => {
  assert.equal(formatRevision({ branch: "eks" }, sha), `eks@sha1:${sha}`);
  assert.equal(formatRevision({ tag: "v1.2.0" }, sha), `v1.2.0@sha1:${sha}`);
  assert.equal(formatRevision({ commit: sha }, sha), `sha1:${sha}`);
  assert.equal(formatRevision({ semver: ">=1.0.0" }, sha, "v1.4.0"), `v1.4.0@sha1:${sha}`, "a semver range shows the tag it chose");
  assert.equal(formatRevision({ name: "refs/pull/1/head" }, sha), `refs/pull/1/head@sha1:${sha}`, "a ref name in full");
  assert.equal(revisionSha(`eks@sha1:${sha}`), sha);
  assert.equal(revisionSha(`sha1:${sha}`), sha);
  assert.equal(revisionSha("eks"), undefined);
});

test("Secret data maps to git auth, naming the Secret when keys are missing", () => {
  assert.deepEqual(authFromSecret("Secret/a/b", { username: "u\n", password: "p\n" }, "https://h/r.git"), { kind: "basic", username: "u", password: "p" });
  assert.deepEqual(authFromSecret("Secret/a/b", { bearerToken: "t0k3n" }, "https://h/r.git"), { kind: "bearer", token: "t0k3n" });
  assert.deepEqual(authFromSecret("Secret/a/b", { identity: "KEY", known_hosts: "KH" }, "ssh://git@h:22/r.git"), { kind: "ssh", privateKey: "KEY", knownHosts: "KH" });
  assert.throws(() => authFromSecret("Secret/a/b", { identity: "KEY" }, "git@h:r.git"), /^SlipwayError: Secret\/a\/b: has no "known_hosts" key/);
  assert.throws(() => authFromSecret("Secret/a/b", { token: "x" }, "https://h/r.git"), /Secret\/a\/b: needs "username" and "password", or "bearerToken".*\(has: token\)/);
});

import { test } from "node:test";
import assert from "node:assert/strict";
import { parsePushOutput } from "../../../core/git/push-result.ts";
import { classifyGitFailure } from "../../../core/git/git-error.ts";

const ref = "refs/heads/main";

test("parsePushOutput: fast-forward, new branch, forced and up-to-date are not failures", () => {
  assert.equal(parsePushOutput(`To x\n \tHEAD:${ref}\tabc..def\nDone\n`, "", ref).status, "pushed");
  assert.equal(parsePushOutput(`To x\n*\tHEAD:${ref}\t[new branch]\nDone\n`, "", ref).status, "pushed");
  assert.equal(parsePushOutput(`To x\n+\tHEAD:${ref}\tabc...def (forced update)\nDone\n`, "", ref).status, "pushed");
  assert.equal(parsePushOutput(`To x\n=\tHEAD:${ref}\t[up to date]\nDone\n`, "", ref).status, "up-to-date");
});

test("parsePushOutput: a lost race is 'rejected', a hook refusal is 'failed'", () => {
  assert.equal(parsePushOutput(`To x\n!\tHEAD:${ref}\t[rejected] (fetch first)\nDone\n`, "", ref).status, "rejected");
  assert.equal(parsePushOutput(`To x\n!\tHEAD:${ref}\t[rejected] (non-fast-forward)\nDone\n`, "", ref).status, "rejected");
  assert.equal(parsePushOutput(`To x\n!\tHEAD:${ref}\t[remote rejected] (failed to update ref)\nDone\n`, "", ref).status, "rejected");
  assert.equal(parsePushOutput(`To x\n!\tHEAD:${ref}\t[remote rejected] (pre-receive hook declined)\nDone\n`, "", ref).status, "failed");
  assert.equal(parsePushOutput("", "fatal: unable to access: Could not resolve host", ref).status, "failed");
  assert.equal(parsePushOutput(`To x\n \tHEAD:refs/heads/other\tabc..def\n`, "", ref).status, "failed");
});

test("classifyGitFailure names the reason", () => {
  assert.equal(classifyGitFailure("u", "fatal: Authentication failed for 'http://x'").reason, "auth");
  assert.equal(classifyGitFailure("u", "warning: Could not find remote branch eks to clone.\nfatal: Remote branch eks not found in upstream origin").reason, "branch-not-found");
  assert.equal(classifyGitFailure("u", "fatal: unable to access 'http://127.0.0.1:1/x.git/': Failed to connect to 127.0.0.1 port 1").reason, "unreachable");
  assert.equal(classifyGitFailure("u", "Host key verification failed.\nfatal: Could not read from remote repository.").reason, "host-key");
  const other = classifyGitFailure("http://h/r.git", "fatal: something odd\n");
  assert.equal(other.reason, "other");
  assert.match(other.message, /^http:\/\/h\/r\.git: fatal: something odd$/);
});

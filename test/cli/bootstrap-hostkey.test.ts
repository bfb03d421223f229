// `slipway bootstrap --private-key-file` without `--known-hosts-file`: the SSH server's host keys
// are scanned (ssh-keyscan, bounded), their fingerprints printed, and they become the Secret's
// known_hosts, as flux bootstrap does; against the test environment's SSH git server.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { run } from "../../core/exec.ts";
import { sshHostOf } from "../../cli/commands/bootstrap-hostkey.ts";
import { createGitRepo, integration, kubectl, uniqueName } from "../env/harness.ts";
import { runCli } from "./run-cli.ts";

test("the SSH host of each URL form", () => {
  assert.deepEqual(sshHostOf("ssh://git@127.0.0.1:2222/x.git"), { host: "127.0.0.1", port: 2222 });
  assert.deepEqual(sshHostOf("ssh://git-codecommit.eu-west-1.amazonaws.com/v1/repos/shop"), { host: "git-codecommit.eu-west-1.amazonaws.com", port: 22 });
  assert.deepEqual(sshHostOf("git@github.com:org/repo.git"), { host: "github.com", port: 22 });
  assert.deepEqual(sshHostOf("ssh://git@[::1]:22/x.git"), { host: "::1", port: 22 });
  assert.equal(sshHostOf("https://example.com/x.git"), undefined);
});

/** The `type key` pairs of known_hosts text (comments and host patterns left out). */
const keysOf = (text: string): string[] =>
  text
    .split("\n")
    .filter((l) => l.trim() && !l.startsWith("#"))
    .map((l) => l.split(/\s+/).slice(1, 3).join(" "))
    .sort();

test("--private-key-file alone: the server's host keys are scanned, printed by fingerprint and put in the Secret's known_hosts", async (t) => {
  const env = integration(t);
  if (!env) return;
  const repo = await createGitRepo(env, t, { branch: "eks" });
  const ns = uniqueName("slipway-hk");
  t.after(async () => {
    await kubectl(env, ["delete", "namespace", ns, "--wait=false", "--ignore-not-found"]);
  });
  const r = await runCli(["bootstrap", "--apply", "--url", repo.sshUrl, "--branch", "eks", "--namespace", ns, "--private-key-file", env.gitSshKey, "--kubeconfig", env.kubeconfig, "--timeout", "120s"], { timeoutMs: 180_000 });
  assert.equal(r.code, 0, r.stderr);
  const expected = (await run("ssh-keygen", ["-l", "-f", env.gitSshKnownHosts])).stdout.split(/\s+/)[1] ?? "none";
  assert.match(expected, /^SHA256:/);
  assert.ok(r.stderr.includes(`host key: `) && r.stderr.includes(expected), `the fingerprint ${expected} is printed:\n${r.stderr}`);
  const data = JSON.parse(await kubectl(env, ["get", "secret", "slipway-git-credentials", "-n", ns, "-o", "jsonpath={.data}"])) as Record<string, string>;
  const knownHosts = Buffer.from(data.known_hosts ?? "", "base64").toString();
  assert.deepEqual(keysOf(knownHosts), keysOf(readFileSync(env.gitSshKnownHosts, "utf8")));
  const port = /:(\d+)\//.exec(repo.sshUrl)?.[1];
  assert.match(knownHosts, new RegExp(`^\\[127\\.0\\.0\\.1\\]:${port} ssh-ed25519 `, "m"), "the host pattern names the port, as ssh looks it up");
  // A type the server does not have: a clear error, nothing applied.
  const none = await runCli(["bootstrap", "--apply", "--url", repo.sshUrl, "--namespace", uniqueName("slipway-hk-none"), "--private-key-file", env.gitSshKey, "--ssh-hostkey-algos", "ecdsa-sha2-nistp521", "--kubeconfig", env.kubeconfig], { timeoutMs: 60_000 });
  assert.equal(none.code, 1, none.stderr);
  assert.match(none.stderr, /✗ --url ssh:\/\/.*: ssh-keyscan read no host key from 127\.0\.0\.1:\d+ of types ecdsa-sha2-nistp521 .*give them with --known-hosts-file/);
  assert.doesNotMatch(none.stderr, /applied/);
});

test("a host that does not answer: a clear error naming it, nothing applied", async () => {
  const port = await new Promise<number>((resolve) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const a = s.address();
      s.close(() => resolve(typeof a === "object" && a ? a.port : 0));
    });
  });
  const r = await runCli(["bootstrap", "--apply", "--url", `ssh://git@127.0.0.1:${port}/x.git`, "--private-key-file", "/dev/null", "--kubeconfig", "/nonexistent", "--timeout", "10s"], { timeoutMs: 60_000 });
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, new RegExp(`✗ --url ssh://\\S*@127\\.0\\.0\\.1:${port}/x\\.git: ssh-keyscan read no host key from 127\\.0\\.0\\.1:${port} \\((no answer|.+)\\); give them with --known-hosts-file`));
});

// `slipway bootstrap`: rendering the install for one repository, and applying it to the real
// control plane (kwok makes the agent's Deployment available without running it).
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parse } from "yaml";
import { renderAgentConfig } from "../../cli/commands/bootstrap.ts";
import { createGitRepo, exclusive, integration, kubectl, uniqueName } from "../env/harness.ts";
import { runCli } from "./run-cli.ts";

const base = {
  url: "https://git-codecommit.ap-northeast-2.amazonaws.com/v1/repos/shop",
  branch: "eks",
  path: "./clusters/eks",
  syncName: "flux-system",
  interval: "1m",
  namespace: "slipway-system",
};

test("the rendered configuration follows the seed's setup and validates", () => {
  const config = parse(renderAgentConfig({ ...base, provider: "aws" })) as {
    sources: { url: string; ref: { branch: string }; provider?: string }[];
    syncs: { name: string; path: string; prune: boolean; sourceRef: string }[];
  };
  assert.equal(config.sources[0]?.url, base.url);
  assert.deepEqual(config.sources[0]?.ref, { branch: "eks" });
  assert.equal(config.sources[0]?.provider, "aws");
  assert.deepEqual(config.syncs[0], { name: "flux-system", sourceRef: "manifests", path: "./clusters/eks", interval: "1m", prune: true, wait: true });
});

test("a bad flag is named in the error and nothing is printed", async () => {
  const r = await runCli(["bootstrap", "--url", "not a url"]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /✗ --url: "not a url" is not an https:\/\/, http:\/\/, ssh:\/\/ or user@host:path git URL/);
  assert.equal(r.stdout, "");
  const interval = await runCli(["bootstrap", "--url", base.url, "--interval", "soon"]);
  assert.equal(interval.code, 2);
  assert.match(interval.stderr, /✗ --interval: /);
});

test("prints the install: config for the repository, IRSA annotation, agent image", async () => {
  const r = await runCli(["bootstrap", "--export", "--url", base.url, "--branch", "eks", "--path", "./clusters/eks", "--provider", "aws", "--role-arn", "arn:aws:iam::123456789012:role/slipway", "--image", "123456789012.dkr.ecr.ap-northeast-2.amazonaws.com/slipway:0.1.0"]);
  assert.equal(r.code, 0, r.stderr);
  const docs = r.stdout.split(/^---$/m).map((d) => parse(d) as { kind: string; metadata: { name: string; annotations?: Record<string, string> }; data?: Record<string, string>; spec?: { template: { spec: { containers: { image: string }[] } } } });
  const kinds = docs.map((d) => d.kind).sort();
  assert.deepEqual(kinds, ["ClusterRole", "ClusterRoleBinding", "ConfigMap", "Deployment", "Namespace", "PodDisruptionBudget", "Service", "Service", "ServiceAccount"]);
  const sa = docs.find((d) => d.kind === "ServiceAccount");
  assert.equal(sa?.metadata.annotations?.["eks.amazonaws.com/role-arn"], "arn:aws:iam::123456789012:role/slipway");
  const cm = docs.find((d) => d.kind === "ConfigMap");
  assert.match(cm?.data?.["config.yaml"] ?? "", /url: https:\/\/git-codecommit\.ap-northeast-2\.amazonaws\.com\/v1\/repos\/shop/);
  const deploy = docs.find((d) => d.kind === "Deployment");
  assert.equal(deploy?.spec?.template.spec.containers[0]?.image, "123456789012.dkr.ecr.ap-northeast-2.amazonaws.com/slipway:0.1.0");
});

test("--output-dir writes a kustomization that kubectl kustomize builds", async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), "slipway-bootstrap-out-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const r = await runCli(["bootstrap", "--url", base.url, "--branch", "eks", "--output-dir", dir]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(readFileSync(path.join(dir, "config.yaml"), "utf8"), /branch: eks/);
  const { spawnSync } = await import("node:child_process");
  const built = spawnSync("kubectl", ["kustomize", dir], { encoding: "utf8" });
  assert.equal(built.status, 0, built.stderr);
  assert.match(built.stdout, /kind: Deployment/);
});

test("--apply installs the agent with a git Secret and waits until it is available", async (t) => {
  const env = integration(t);
  if (!env) return;
  await exclusive(env, t, "slipway-clusterrole");
  const repo = await createGitRepo(env, t, { branch: "eks" });
  const ns = uniqueName("slipway-bs");
  t.after(async () => {
    await kubectl(env, ["delete", "namespace", ns, "--wait=false", "--ignore-not-found"]);
    await kubectl(env, ["delete", "clusterrolebinding,clusterrole", "-l", "app.kubernetes.io/name=slipway", "--ignore-not-found"]);
  });
  const password = "s3cret-bootstrap-password";
  const r = await runCli(
    ["bootstrap", "--apply", "--url", repo.httpUrl, "--branch", "eks", "--namespace", ns, "--git-username", "robot", "--kubeconfig", env.kubeconfig, "--timeout", "120s"],
    { input: password + "\n", timeoutMs: 180_000 },
  );
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, new RegExp(`Deployment/${ns}/slipway-agent created`));
  assert.ok(!r.stderr.includes(password) && !r.stdout.includes(password), "the password was printed");
  assert.equal(await kubectl(env, ["get", "deployment", "slipway-agent", "-n", ns, "-o", "jsonpath={.status.availableReplicas}"]), "2", "both replicas of deploy/");
  const user = await kubectl(env, ["get", "secret", "slipway-git-credentials", "-n", ns, "-o", "jsonpath={.data.username}"]);
  assert.equal(Buffer.from(user, "base64").toString(), "robot");
  // A second run changes nothing.
  const again = await runCli(["bootstrap", "--apply", "--url", repo.httpUrl, "--branch", "eks", "--namespace", ns, "--secret-ref", "slipway-git-credentials", "--kubeconfig", env.kubeconfig], { timeoutMs: 180_000 });
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stderr, new RegExp(`Deployment/${ns}/slipway-agent unchanged`));
});

test("--output-dir gives the same manifests as the printed install, IRSA annotation and namespace included", async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), "slipway-bootstrap-same-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const flags = ["bootstrap", "--url", base.url, "--branch", "eks", "--path", "./clusters/eks", "--provider", "aws", "--role-arn", "arn:aws:iam::123456789012:role/slipway", "--namespace", "agents"];
  const printed = await runCli([...flags, "--export"]);
  assert.equal(printed.code, 0, printed.stderr);
  const written = await runCli([...flags, "--output-dir", dir]);
  assert.equal(written.code, 0, written.stderr);
  const { spawnSync } = await import("node:child_process");
  const built = spawnSync("kubectl", ["kustomize", dir], { encoding: "utf8" });
  assert.equal(built.status, 0, built.stderr);
  const docs = (text: string): unknown[] => text.split(/^---$/m).map((d) => parse(d) as unknown).filter(Boolean).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
  assert.deepEqual(docs(built.stdout), docs(printed.stdout));
  assert.match(built.stdout, /eks\.amazonaws\.com\/role-arn: arn:aws:iam::123456789012:role\/slipway/);
  assert.match(built.stdout, /kind: Namespace\nmetadata:\n(?:.*\n)*? {2}name: agents\n/);
});

test("credentials as flux bootstrap git takes them: each creates a Secret only with --apply, bad combinations are named", async () => {
  const noApply = await runCli(["bootstrap", "--export", "--url", base.url, "--token-auth"]);
  assert.equal(noApply.code, 2);
  assert.match(noApply.stderr, /✗ --token-auth: creates a Secret in the cluster: use it with --apply/);
  const hostsAlone = await runCli(["bootstrap", "--apply", "--url", "ssh://git@git.example:22/shop.git", "--known-hosts-file", "h"]);
  assert.equal(hostsAlone.code, 2);
  assert.match(hostsAlone.stderr, /✗ --known-hosts-file: is for --private-key-file/);
  const algos = await runCli(["bootstrap", "--url", "ssh://git@git.example:22/shop.git", "--private-key-file", "k", "--ssh-hostkey-algos", "ed25519 rsa"]);
  assert.equal(algos.code, 2);
  assert.match(algos.stderr, /✗ --ssh-hostkey-algos: "ed25519 rsa" is not a comma-separated list of key types/);
  const twoModes = await runCli(["bootstrap", "--url", base.url, "--export", "--apply"]);
  assert.equal(twoModes.code, 2);
  assert.match(twoModes.stderr, /✗ --apply: give one of --export, --output-dir and --apply/);
  const https = await runCli(["bootstrap", "--apply", "--url", base.url, "--private-key-file", "k", "--known-hosts-file", "h"]);
  assert.equal(https.code, 2);
  assert.match(https.stderr, /✗ --private-key-file: needs an ssh:\/\/ or user@host:path --url/);
  const both = await runCli(["bootstrap", "--apply", "--url", base.url, "--username", "u", "--secret-ref", "s"]);
  assert.equal(both.code, 2);
  assert.match(both.stderr, /✗ --username: give either it \(a new Secret\) or --secret-ref/);
});

test("--apply --token-auth, then --private-key-file: the credentials Secret holds Flux's keys, nothing secret printed", async (t) => {
  const env = integration(t);
  if (!env) return;
  await exclusive(env, t, "slipway-clusterrole");
  const repo = await createGitRepo(env, t, { branch: "eks" });
  const ns = uniqueName("slipway-bs");
  t.after(async () => {
    await kubectl(env, ["delete", "namespace", ns, "--wait=false", "--ignore-not-found"]);
  });
  const token = "t0ken-for-bootstrap";
  const r = await runCli(["bootstrap", "--apply", "--url", repo.httpUrl, "--branch", "eks", "--namespace", ns, "--token-auth", "--kubeconfig", env.kubeconfig, "--timeout", "120s"], { input: token + "\n", timeoutMs: 180_000 });
  assert.equal(r.code, 0, r.stderr);
  assert.ok(!r.stderr.includes(token) && !r.stdout.includes(token));
  const data = async (): Promise<Record<string, string>> => JSON.parse(await kubectl(env, ["get", "secret", "slipway-git-credentials", "-n", ns, "-o", "jsonpath={.data}"])) as Record<string, string>;
  const tokenSecret = await data();
  assert.equal(Buffer.from(tokenSecret.username ?? "", "base64").toString(), "git");
  assert.equal(Buffer.from(tokenSecret.password ?? "", "base64").toString(), token);
  const ssh = await runCli(["bootstrap", "--apply", "--url", repo.sshUrl, "--branch", "eks", "--namespace", ns, "--private-key-file", env.gitSshKey, "--known-hosts-file", env.gitSshKnownHosts, "--kubeconfig", env.kubeconfig, "--timeout", "120s"], { timeoutMs: 180_000 });
  assert.equal(ssh.code, 0, ssh.stderr);
  const key = readFileSync(env.gitSshKey, "utf8");
  assert.ok(!ssh.stderr.includes(key.trim().split("\n")[1] ?? "x"), "no line of the key is printed");
  const sshSecret = await data();
  assert.equal(Buffer.from(sshSecret.identity ?? "", "base64").toString(), key);
  assert.equal(Buffer.from(sshSecret.known_hosts ?? "", "base64").toString(), readFileSync(env.gitSshKnownHosts, "utf8"));
  assert.equal(sshSecret.password, undefined, "the token left the Secret");
});

/**
 * Bad input and faults under `slipway agent --once`: bad credentials, an invalid kustomization,
 * a symlink leaving the repository, a kind the cluster does not know — each sync fails with a
 * message naming the source, file or object, nothing of its revision is applied, and the other
 * syncs still succeed. Also dependsOn ordering.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { integration, createGitRepo, createNamespace, kubectl } from "../../env/harness.ts";
import { run } from "../../../core/exec.ts";
import { testGitConfig } from "../../env/harness.ts";
import { agentArgs, cacheDir, runSlipway, writeConfig } from "./agent-process.ts";
import { readStatus } from "./parent-status.ts";

const cm = (name: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  k: v\n`;

test("one failing sync never stops the others; each failure names its cause", async (t) => {
  const env = integration(t);
  if (!env) return;
  const agentNs = await createNamespace(env, t, "slipway-agent");
  const appNs = await createNamespace(env, t, "apps");
  const repo = await createGitRepo(env, t, {
    files: {
      "good/a.yaml": cm("good-a"),
      "badkust/kustomization.yaml": "resources:\n  - missing.yaml\n",
      "unknown/x.yaml": "apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n---\n" + cm("never-applied"),
    },
  });
  // A symlink that leaves the repository, committed as a symlink.
  const work = mkdtempSync(path.join(tmpdir(), "slipway-symlink-"));
  await run("git", [...testGitConfig, "clone", "-q", repo.bareDir, work]);
  mkdirSync(path.join(work, "escape"));
  await run("ln", ["-s", "/etc", path.join(work, "escape", "etc")]);
  writeFileSync(path.join(work, "escape", "a.yaml"), cm("escape-a"));
  await run("git", [...testGitConfig, "-C", work, "add", "-A"]);
  await run("git", [...testGitConfig, "-C", work, "commit", "-q", "-m", "symlink"]);
  await run("git", [...testGitConfig, "-C", work, "push", "-q", "origin", "HEAD:main"]);

  // Credentials for the authenticated URL come from a Secret laid out as files (--secrets-dir).
  const secrets = mkdtempSync(path.join(tmpdir(), "slipway-secrets-"));
  mkdirSync(path.join(secrets, "wrong"));
  writeFileSync(path.join(secrets, "wrong", "username"), env.gitHttpUser);
  writeFileSync(path.join(secrets, "wrong", "password"), "not-the-password-42");
  mkdirSync(path.join(secrets, "right"));
  writeFileSync(path.join(secrets, "right", "username"), env.gitHttpUser);
  writeFileSync(path.join(secrets, "right", "password"), env.gitHttpPassword);
  const authUrl = `${env.gitHttpAuthUrl}/${repo.name}.git`;

  const sync = (name: string, source: string, p: string) => `  - { name: ${name}, sourceRef: ${source}, path: ${p}, targetNamespace: ${appNs}, timeout: 1m }\n`;
  const config = writeConfig(`namespace: ${agentNs}
sources:
  - { name: open, url: "${repo.httpUrl}", ref: { branch: main } }
  - { name: locked, url: "${authUrl}", ref: { branch: main }, secretRef: { name: wrong } }
  - { name: unlocked, url: "${authUrl}", ref: { branch: main }, secretRef: { name: right } }
syncs:
${sync("badcreds", "locked", "good")}${sync("badkust", "open", "badkust")}${sync("escape", "open", "escape")}${sync("unknown", "open", "unknown")}${sync("good", "unlocked", "good")}`);
  const res = await runSlipway(["agent", ...agentArgs(env, config, cacheDir()), "--secrets-dir", secrets, "--once"]);
  assert.equal(res.code, 1, res.stderr);
  assert.ok(!res.stderr.includes("not-the-password-42"), "the password never reaches the logs");
  assert.ok(!res.stderr.includes(env.gitHttpPassword), "the password never reaches the logs");

  const st = async (name: string) => {
    const s = await readStatus(env, agentNs, name);
    assert.ok(s, `status of ${name}`);
    return s;
  };
  const badcreds = await st("badcreds");
  assert.equal(badcreds.reason, "ArtifactFailed");
  assert.match(badcreds.message, new RegExp(`^source locked: cannot fetch branch main of ${authUrl.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}`));
  const badkust = await st("badkust");
  assert.equal(badkust.reason, "BuildFailed");
  assert.match(badkust.message, /^path badkust: kustomize build: .*missing\.yaml/);
  const escape = await st("escape");
  assert.equal(escape.reason, "BuildFailed");
  assert.equal(escape.message, "escape/etc: is a symlink that leaves the repository (to /etc)");
  const unknown = await st("unknown");
  assert.equal(unknown.ready, "False");
  assert.match(unknown.message, /Widget/);
  const good = await st("good");
  assert.equal(good.ready, "True", good.message);

  const names = (await kubectl(env, ["get", "configmaps", "-n", appNs, "-o", "name"])).trim().split("\n").sort();
  assert.ok(names.includes("configmap/good-a"));
  assert.ok(!names.includes("configmap/escape-a"), "nothing from a failed build is applied");
  assert.ok(!names.includes("configmap/never-applied"), "nothing from a sync with an unknown kind is applied");
});

test("dependsOn: dependencies first; a failed dependency holds its dependents", async (t) => {
  const env = integration(t);
  if (!env) return;
  const agentNs = await createNamespace(env, t, "slipway-agent");
  const appNs = await createNamespace(env, t, "apps");
  const repo = await createGitRepo(env, t, { files: { "infra/a.yaml": cm("infra"), "apps/a.yaml": cm("apps"), "broken/kustomization.yaml": "resources: [nope.yaml]\n", "after-broken/a.yaml": cm("after-broken") } });
  const config = writeConfig(`namespace: ${agentNs}
sources:
  - { name: s, url: "${repo.httpUrl}", ref: { branch: main } }
syncs:
  - { name: apps, sourceRef: s, path: apps, dependsOn: [infra], targetNamespace: ${appNs} }
  - { name: after-broken, sourceRef: s, path: after-broken, dependsOn: [broken], targetNamespace: ${appNs} }
  - { name: infra, sourceRef: s, path: infra, targetNamespace: ${appNs} }
  - { name: broken, sourceRef: s, path: broken, targetNamespace: ${appNs} }
`);
  const res = await runSlipway(["agent", ...agentArgs(env, config, cacheDir()), "--once"]);
  assert.equal(res.code, 1);
  const order = res.stderr.split("\n").filter((l) => l.includes("Reconciliation finished")).map((l) => (JSON.parse(l) as { sync: string }).sync);
  assert.deepEqual(order, ["infra", "apps"], "infra is applied before apps although listed after it");
  const held = await readStatus(env, agentNs, "after-broken");
  assert.equal(held?.reason, "DependencyNotReady");
  assert.match(held?.message ?? "", /^dependencies not ready: broken \(path broken: kustomize build/);
  const names = (await kubectl(env, ["get", "configmaps", "-n", appNs, "-o", "name"])).trim();
  assert.ok(!names.includes("after-broken"));
});

test("git or the API server unreachable: the sync fails naming what is unreachable, the process does not crash", async (t) => {
  const env = integration(t);
  if (!env) return;
  const agentNs = await createNamespace(env, t, "slipway-agent");
  const repo = await createGitRepo(env, t, { files: { "apps/a.yaml": cm("a") } });
  const config = writeConfig(`namespace: ${agentNs}
sources:
  - { name: gone, url: "http://127.0.0.1:9/nothing.git", ref: { branch: main }, timeout: 20s }
  - { name: s, url: "${repo.httpUrl}", ref: { branch: main } }
syncs:
  - { name: nogit, sourceRef: gone, path: apps }
  - { name: ok, sourceRef: s, path: apps, targetNamespace: ${agentNs} }
`);
  const res = await runSlipway(["agent", ...agentArgs(env, config, cacheDir()), "--once"]);
  assert.equal(res.code, 1);
  const nogit = await readStatus(env, agentNs, "nogit");
  assert.equal(nogit?.reason, "ArtifactFailed");
  assert.match(nogit?.message ?? "", /^source gone: cannot fetch branch main of http:\/\/127\.0\.0\.1:9\/nothing\.git: .*(Failed to connect|Connection refused|Could not connect)/);
  assert.equal((await readStatus(env, agentNs, "ok"))?.ready, "True");

  // The same configuration against an API server that is not there.
  const kubeconfig = path.join(mkdtempSync(path.join(tmpdir(), "slipway-kc-")), "config");
  const text = (await run("kubectl", ["--kubeconfig", env.kubeconfig, "config", "view", "--raw"])).stdout;
  writeFileSync(kubeconfig, text.replace(/server: https:\/\/127\.0\.0\.1:\d+/, "server: https://127.0.0.1:9"));
  const down = await runSlipway(["agent", "--config", config, "--kubeconfig", kubeconfig, "--cache-dir", cacheDir(), "--once"]);
  assert.equal(down.code, 1, down.stderr);
  assert.match(down.stderr, /cannot reach https:\/\/127\.0\.0\.1:9/);
  assert.match(down.stderr, /"msg":"done: 2 of 2 syncs failed \(nogit, ok\)"/);
});

test("serviceAccountName: the sync applies as that account and fails, naming the object, without its permissions", async (t) => {
  const env = integration(t);
  if (!env) return;
  const agentNs = await createNamespace(env, t, "slipway-agent");
  const appNs = await createNamespace(env, t, "apps");
  await kubectl(env, ["create", "serviceaccount", "deployer", "-n", agentNs]);
  const repo = await createGitRepo(env, t, { files: { "apps/a.yaml": cm("limited") } });
  const config = writeConfig(`namespace: ${agentNs}
sources:
  - { name: s, url: "${repo.httpUrl}", ref: { branch: main } }
syncs:
  - { name: limited, sourceRef: s, path: apps, targetNamespace: ${appNs}, serviceAccountName: deployer }
`);
  const res = await runSlipway(["agent", ...agentArgs(env, config, cacheDir()), "--once"]);
  assert.equal(res.code, 1);
  const st = await readStatus(env, agentNs, "limited");
  assert.equal(st?.ready, "False");
  assert.match(st?.message ?? "", new RegExp(`forbidden|Forbidden`));
  assert.match(st?.message ?? "", new RegExp(`system:serviceaccount:${agentNs}:deployer`));
  // Granted the rights, the same account succeeds.
  await kubectl(env, ["create", "rolebinding", "deployer-edit", "-n", appNs, "--clusterrole", "edit", `--serviceaccount=${agentNs}:deployer`]);
  // Only in the application namespace: the parent in the agent's namespace is written as the agent.
  const again = await runSlipway(["agent", ...agentArgs(env, config, cacheDir()), "--once"]);
  assert.equal(again.code, 0, (await readStatus(env, agentNs, "limited"))?.message);
  assert.equal(await kubectl(env, ["get", "configmap", "limited", "-n", appNs, "-o", "jsonpath={.data.k}"]), "v");
});

test("credentials from Secrets in the cluster: basic auth over HTTP and an SSH key with known_hosts", async (t) => {
  const env = integration(t);
  if (!env) return;
  const agentNs = await createNamespace(env, t, "slipway-agent");
  const appNs = await createNamespace(env, t, "apps");
  const repo = await createGitRepo(env, t, { files: { "apps/a.yaml": cm("from-git") } });
  await kubectl(env, ["create", "secret", "generic", "http-auth", "-n", agentNs, `--from-literal=username=${env.gitHttpUser}`, `--from-literal=password=${env.gitHttpPassword}`]);
  await kubectl(env, ["create", "secret", "generic", "ssh-auth", "-n", agentNs, `--from-file=identity=${env.gitSshKey}`, `--from-file=known_hosts=${env.gitSshKnownHosts}`]);
  const config = writeConfig(`namespace: ${agentNs}
sources:
  - { name: http, url: "${env.gitHttpAuthUrl}/${repo.name}.git", ref: { branch: main }, secretRef: { name: http-auth } }
  - { name: ssh, url: "${repo.sshUrl}", ref: { branch: main }, secretRef: { name: ssh-auth } }
  - { name: nosecret, url: "${repo.sshUrl}", ref: { branch: main }, secretRef: { name: absent } }
syncs:
  - { name: via-http, sourceRef: http, path: apps, targetNamespace: ${appNs} }
  - { name: via-ssh, sourceRef: ssh, path: apps, targetNamespace: ${appNs} }
  - { name: missing-secret, sourceRef: nosecret, path: apps, targetNamespace: ${appNs} }
`);
  const res = await runSlipway(["agent", ...agentArgs(env, config, cacheDir()), "--once"]);
  assert.equal(res.code, 1);
  assert.equal((await readStatus(env, agentNs, "via-http"))?.ready, "True");
  assert.equal((await readStatus(env, agentNs, "via-ssh"))?.ready, "True");
  const missing = await readStatus(env, agentNs, "missing-secret");
  assert.equal(missing?.reason, "ArtifactFailed");
  assert.equal(missing?.message, `Secret/${agentNs}/absent: not found`);
  assert.ok(!res.stderr.includes(env.gitHttpPassword));
  assert.ok(!res.stderr.includes("PRIVATE KEY"));
});

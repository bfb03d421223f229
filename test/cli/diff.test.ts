/** `slipway diff` against the real control plane, run as a real child process. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { integration, createGitRepo, createNamespace, kubectl } from "../env/harness.ts";
import { runCli } from "./run-cli.ts";

const cmNamed = (name: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  k: v\n`;

test("no differences → exit 0; a change → a unified diff per object and exit 1", async (t) => {
  const env = integration(t);
  if (!env) return;
  const ns = await createNamespace(env, t, "diff");
  const dir = mkdtempSync(path.join(tmpdir(), "slipway-cli-diff-"));
  mkdirSync(path.join(dir, "apps"));
  const cm = (v: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  level: ${v}\n`;
  writeFileSync(path.join(dir, "apps", "cm.yaml"), cm("info"));
  const kube = ["--kubeconfig", env.kubeconfig, "--target-namespace", ns, "--path", path.join(dir, "apps")];

  const created = await runCli(["diff", ...kube]);
  assert.equal(created.code, 1, created.stderr);
  assert.match(created.stdout, new RegExp(`^--- a/ConfigMap/${ns}/settings\n\\+\\+\\+ b/ConfigMap/${ns}/settings\n`, "m"));
  assert.match(created.stdout, /^\+ {2}level: info$/m);

  const built = await runCli(["build", "--target-namespace", ns, "--path", path.join(dir, "apps")]);
  await kubectl(env, ["apply", "--server-side", "--field-manager", "slipway", "-f", "-"], { input: built.stdout });
  const same = await runCli(["diff", ...kube]);
  assert.equal(same.code, 0, same.stdout + same.stderr);
  assert.equal(same.stdout, "");
  assert.match(same.stderr, /✔ no differences \(1 objects\)/);

  writeFileSync(path.join(dir, "apps", "cm.yaml"), cm("debug"));
  const changed = await runCli(["diff", ...kube]);
  assert.equal(changed.code, 1);
  assert.match(changed.stdout, /^- {2}level: info$/m);
  assert.match(changed.stdout, /^\+ {2}level: debug$/m);
  assert.match(changed.stderr, /1 of 1 objects differ/);
  assert.equal(await kubectl(env, ["get", "configmap", "settings", "-n", ns, "-o", "jsonpath={.data.level}"]), "info", "diff changes nothing");
});

test("with --sync, what pruning would delete is shown as a deletion", async (t) => {
  const env = integration(t);
  if (!env) return;
  const agentNs = await createNamespace(env, t, "slipway-agent");
  const ns = await createNamespace(env, t, "diff");
  const repo = await createGitRepo(env, t, { files: { "apps/a.yaml": cmNamed("a"), "apps/b.yaml": cmNamed("b") } });
  const config = path.join(mkdtempSync(path.join(tmpdir(), "slipway-diff-config-")), "config.yaml");
  writeFileSync(config, `namespace: ${agentNs}\nsources:\n  - { name: s, url: "${repo.httpUrl}", ref: { branch: main } }\nsyncs:\n  - { name: apps, sourceRef: s, path: apps, targetNamespace: ${ns} }\n`);
  const once = await runCli(["agent", "--config", config, "--kubeconfig", env.kubeconfig, "--cache-dir", mkdtempSync(path.join(tmpdir(), "slipway-diff-cache-")), "--once"], { timeoutMs: 120_000 });
  assert.equal(once.code, 0, once.stderr);

  // A local checkout of the same manifests, without b.yaml.
  const dir = mkdtempSync(path.join(tmpdir(), "slipway-cli-diff-"));
  mkdirSync(path.join(dir, "apps"));
  writeFileSync(path.join(dir, "apps", "a.yaml"), cmNamed("a"));
  const args = ["diff", "--kubeconfig", env.kubeconfig, "--target-namespace", ns, "--path", path.join(dir, "apps"), "--sync", "apps", "-n", agentNs];
  const r = await runCli(args);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stdout, new RegExp(`^--- a/ConfigMap/${ns}/b\n\\+\\+\\+ b/ConfigMap/${ns}/b\n@@ -1,\\d+ \\+0,0 @@\n`, "m"));
  assert.doesNotMatch(r.stdout, new RegExp(`ConfigMap/${ns}/a`), "a is unchanged, labels included");
  assert.match(r.stderr, /0 of 1 objects differ, 1 would be pruned/);
  writeFileSync(path.join(dir, "apps", "b.yaml"), cmNamed("b"));
  const same = await runCli(args);
  assert.equal(same.code, 0, same.stdout);
});

// `slipway check` against the real control plane and git server, and its pure parts.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseKubeVersion } from "../../cli/commands/check.ts";
import { createGitRepo, integration, kubectl, uniqueName } from "../env/harness.ts";
import { runCli } from "./run-cli.ts";

test("parseKubeVersion reads major/minor, including EKS-style minor suffixes", () => {
  assert.deepEqual(parseKubeVersion({ major: "1", minor: "33", gitVersion: "v1.33.13" }), { major: 1, minor: 33, gitVersion: "v1.33.13" });
  assert.deepEqual(parseKubeVersion({ major: "1", minor: "30+", gitVersion: "v1.30.4-eks-a737599" }), {
    major: 1,
    minor: 30,
    gitVersion: "v1.30.4-eks-a737599",
  });
  assert.equal(parseKubeVersion({ major: "", minor: "x" }), undefined);
  assert.equal(parseKubeVersion("v1.33"), undefined);
});

test("check passes with a reachable cluster and source, and names a missing branch", async (t) => {
  const env = integration(t);
  if (!env) return;
  const repo = await createGitRepo(env, t, { branch: "eks", files: { "clusters/eks/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n" } });
  const dir = mkdtempSync(path.join(tmpdir(), "slipway-check-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const config = (branch: string): string =>
    `namespace: default\nsources:\n  - name: manifests\n    url: ${repo.httpUrl}\n    ref:\n      branch: ${branch}\nsyncs:\n  - name: eks\n    sourceRef: manifests\n    path: ./clusters/eks\n`;
  writeFileSync(path.join(dir, "good.yaml"), config("eks"));
  writeFileSync(path.join(dir, "bad.yaml"), config("no-such-branch"));
  const runEnv = { ...process.env, KUBECONFIG: env.kubeconfig };

  const good = await runCli(["check", "--config", path.join(dir, "good.yaml")], { env: runEnv });
  assert.equal(good.code, 0, good.stderr);
  assert.match(good.stderr, /✔ kubernetes: v1\.33\.\d+ at https:\/\/127\.0\.0\.1:\d+/);
  assert.match(good.stderr, /✔ permissions: /);
  assert.match(good.stderr, new RegExp(`✔ source manifests: ${repo.httpUrl.replace(/[.]/g, "\\.")} eks@sha1:[0-9a-f]{40}`));

  const bad = await runCli(["check", "--config", path.join(dir, "bad.yaml"), "-o", "json"], { env: runEnv });
  assert.equal(bad.code, 1);
  const results = JSON.parse(bad.stdout) as { name: string; ok: boolean; detail: string }[];
  const source = results.find((r) => r.name === "source manifests");
  assert.equal(source?.ok, false);
  assert.match(source?.detail ?? "", /branch "no-such-branch" does not exist/);
});

test("check reports missing permissions of a restricted identity", async (t) => {
  const env = integration(t);
  if (!env) return;
  // A ServiceAccount with no RoleBindings: check must name what it may not do.
  const sa = uniqueName("check-sa");
  await kubectl(env, ["create", "serviceaccount", sa, "-n", "default"]);
  t.after(async () => {
    await kubectl(env, ["delete", "serviceaccount", sa, "-n", "default", "--ignore-not-found"]);
  });
  const token = (await kubectl(env, ["create", "token", sa, "-n", "default", "--duration=10m"])).trim();
  const dir = mkdtempSync(path.join(tmpdir(), "slipway-check-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const kubeconfig = path.join(dir, "kubeconfig");
  const admin = JSON.parse(await kubectl(env, ["config", "view", "--raw", "--minify", "-o", "json"])) as { clusters: unknown[] };
  const restricted = {
    apiVersion: "v1",
    kind: "Config",
    clusters: admin.clusters,
    users: [{ name: "restricted", user: { token } }],
    contexts: [{ name: "restricted", context: { cluster: (admin.clusters[0] as { name: string }).name, user: "restricted" } }],
    "current-context": "restricted",
  };
  writeFileSync(kubeconfig, JSON.stringify(restricted));
  const r = await runCli(["check", "--kubeconfig", kubeconfig, "--namespace", "default"]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /✗ permissions: namespace default: not allowed to get configmaps, create configmaps/);
  assert.ok(!r.stderr.includes(token), "the token must not be printed");
});

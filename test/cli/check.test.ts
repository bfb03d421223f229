// `slipway check` against the real control plane and git server (the agent ServiceAccount's
// rights under the cluster-wide and the namespaced install's RBAC), and its pure parts.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { test, type TestContext } from "node:test";
import { parseAllDocuments, stringify } from "yaml";
import { run } from "../../core/exec.ts";
import { parseKubeVersion } from "../../cli/commands/check.ts";
import { createGitRepo, createNamespace, integration, kubectl, uniqueName, type TestEnv } from "../env/harness.ts";
import { applyNamespacedRbac } from "../agent/e2e/namespaced-install.ts";
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

/** deploy/'s ClusterRole, under a name of this test's own, bound to ServiceAccount slipway-agent of `ns`. */
async function clusterWideRbac(env: TestEnv, t: TestContext, ns: string): Promise<void> {
  const objs = parseAllDocuments((await run("kubectl", ["kustomize", path.join(import.meta.dirname, "../../deploy")])).stdout).map((d) => d.toJS() as { kind: string; metadata: { name: string } });
  const role = objs.find((o) => o.kind === "ClusterRole" && o.metadata.name === "slipway-agent");
  assert.ok(role, "deploy/ has the agent's ClusterRole");
  role.metadata.name = `${ns}-agent`;
  const binding = { apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRoleBinding", metadata: { name: `${ns}-agent` }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: `${ns}-agent` }, subjects: [{ kind: "ServiceAccount", name: "slipway-agent", namespace: ns }] };
  t.after(async () => {
    await kubectl(env, ["delete", "clusterrolebinding,clusterrole", `${ns}-agent`, "--ignore-not-found"]);
  });
  await kubectl(env, ["create", "serviceaccount", "slipway-agent", "-n", ns]);
  await kubectl(env, ["apply", "-f", "-"], { input: [role, binding].map((o) => stringify(o)).join("---\n") });
}

test("check passes with a reachable cluster, source and the cluster-wide install's rights, and names a missing branch", async (t) => {
  const env = integration(t);
  if (!env) return;
  const agentNs = await createNamespace(env, t, "check-agent");
  await clusterWideRbac(env, t, agentNs);
  const repo = await createGitRepo(env, t, { branch: "eks", files: { "clusters/eks/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n" } });
  const dir = mkdtempSync(path.join(tmpdir(), "slipway-check-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const config = (branch: string): string =>
    `namespace: ${agentNs}\nsources:\n  - name: manifests\n    url: ${repo.httpUrl}\n    ref:\n      branch: ${branch}\nsyncs:\n  - name: eks\n    sourceRef: manifests\n    path: ./clusters/eks\n`;
  writeFileSync(path.join(dir, "good.yaml"), config("eks"));
  writeFileSync(path.join(dir, "bad.yaml"), config("no-such-branch"));
  const runEnv = { ...process.env, KUBECONFIG: env.kubeconfig };

  const good = await runCli(["check", "--config", path.join(dir, "good.yaml")], { env: runEnv });
  assert.equal(good.code, 0, good.stderr);
  assert.match(good.stderr, /✔ kubernetes: v1\.33\.\d+ at https:\/\/127\.0\.0\.1:\d+/);
  assert.match(good.stderr, new RegExp(`✔ permissions of system:serviceaccount:${agentNs}:slipway-agent: all \\d+ rights the agent and its syncs need`));
  assert.match(good.stderr, new RegExp(`✔ source manifests: ${repo.httpUrl.replace(/[.]/g, "\\.")} eks@sha1:[0-9a-f]{40}`));

  const bad = await runCli(["check", "--config", path.join(dir, "bad.yaml"), "-o", "json"], { env: runEnv });
  assert.equal(bad.code, 1);
  const results = JSON.parse(bad.stdout) as { name: string; ok: boolean; detail: string }[];
  const source = results.find((r) => r.name === "source manifests");
  assert.equal(source?.ok, false);
  assert.match(source?.detail ?? "", /branch "no-such-branch" does not exist/);
  assert.equal(results.find((r) => r.name === "sync eks")?.ok, false, "a build that cannot be fetched cannot be planned");
});

test("check asks about the agent's ServiceAccount, not the caller: an account without bindings misses everything, as a table", async (t) => {
  const env = integration(t);
  if (!env) return;
  const sa = uniqueName("check-sa");
  await kubectl(env, ["create", "serviceaccount", sa, "-n", "default"]);
  t.after(async () => {
    await kubectl(env, ["delete", "serviceaccount", sa, "-n", "default", "--ignore-not-found"]);
  });
  // The caller is the cluster admin; the answer is still the account's.
  const r = await runCli(["check", "--kubeconfig", env.kubeconfig, "--agent-namespace", "default", "--agent-service-account", sa]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, new RegExp(`✗ permissions of system:serviceaccount:default:${sa}: 10 of 10 rights missing`));
  assert.match(r.stderr, /VERB\s+RESOURCE\s+NAMESPACE\s+AS\s+FOR/);
  assert.match(r.stderr, /get\s+configmaps\s+default\s+agent\s+ApplySet parents and status/);
  assert.match(r.stderr, /create\s+events\.events\.k8s\.io\s+default\s+agent\s+Events/);
  assert.match(r.stderr, /update\s+leases\.coordination\.k8s\.io\s+default\s+agent\s+the leader Lease/);
});

test("check with the namespaced install's rights: passes, then names the verb a tenant Role lost and an impersonated account's gap", async (t) => {
  const env = integration(t);
  if (!env) return;
  const agentNs = await createNamespace(env, t, "check-ns-agent");
  const teamA = await createNamespace(env, t, "check-team-a");
  const teamB = await createNamespace(env, t, "check-team-b");
  await applyNamespacedRbac(env, t, agentNs, [teamA, teamB]);
  await kubectl(env, ["create", "serviceaccount", "deployer", "-n", teamB]);
  await kubectl(env, ["create", "role", "configmaps", "-n", teamB, "--verb=get,list,watch,patch,delete", "--resource=configmaps"]);
  await kubectl(env, ["create", "rolebinding", "deployer", "-n", teamB, "--role=configmaps", `--serviceaccount=${teamB}:deployer`]);
  const cm = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n";
  const repo = await createGitRepo(env, t, { files: { "a/cm.yaml": cm, "b/cm.yaml": cm, "b/svc.yaml": "apiVersion: v1\nkind: Service\nmetadata:\n  name: s\nspec:\n  ports: [{ port: 80 }]\n" } });
  const dir = mkdtempSync(path.join(tmpdir(), "slipway-check-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, "config.yaml");
  const write = (withB: boolean) =>
    writeFileSync(file, `namespace: ${agentNs}
namespaces: [${teamA}, ${teamB}]
sources:
  - { name: m, url: "${repo.httpUrl}", ref: { branch: main } }
syncs:
  - { name: a, sourceRef: m, path: a, targetNamespace: ${teamA} }
${withB ? `  - { name: b, sourceRef: m, path: b, targetNamespace: ${teamB}, serviceAccountName: deployer, serviceAccountNamespace: ${teamB} }\n` : ""}`);
  write(false);
  const good = await runCli(["check", "--kubeconfig", env.kubeconfig, "--config", file]);
  assert.equal(good.code, 0, good.stderr);
  assert.match(good.stderr, new RegExp(`✔ permissions of system:serviceaccount:${agentNs}:slipway-agent: all \\d+ rights`));

  // The tenant Role loses delete: pruning in team-a is named. The deployer may not touch Services.
  await kubectl(env, ["patch", "role", "slipway-agent", "-n", teamA, "--type", "json", "-p", '[{"op":"replace","path":"/rules/0/verbs","value":["get","list","watch","create","update","patch"]}]']);
  write(true);
  const r = await runCli(["check", "--kubeconfig", env.kubeconfig, "--config", file, "-o", "json"]);
  assert.equal(r.code, 1, r.stderr);
  const perms = (JSON.parse(r.stdout) as { name: string; ok: boolean; missing?: { user: string; verb: string; resource: string; namespace: string; purpose: string }[] }[]).find((x) => x.name.startsWith("permissions of"));
  assert.equal(perms?.ok, false);
  assert.deepEqual(perms?.missing?.map((m) => `${m.user} ${m.verb} ${m.resource} ${m.namespace}: ${m.purpose}`), [
    `system:serviceaccount:${agentNs}:slipway-agent delete configmaps ${teamA}: prune of sync a`,
    ...["get", "list", "watch", "patch", "delete"].map((v) => `system:serviceaccount:${teamB}:deployer ${v} services ${teamB}: ${v === "delete" ? "prune" : "apply"} of sync b`),
  ]);
});

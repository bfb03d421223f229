/**
 * The daemon runs Kustomizations defined in git, against the real control plane: a nested
 * Kustomization starts its own loop, answers `slipway reconcile|suspend|resume kustomization
 * NAME` and shows in `slipway get kustomizations`; removed from git, its objects are pruned and
 * its parent deleted (a denied prune retried with backoff), while the agent keeps running; the
 * root runs once at start, taking its settings from git in that run.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { integration, createGitRepo, createNamespace, kubectl } from "../../env/harness.ts";
import { pushChanges } from "./git-push.ts";
import { agentArgs, cacheDir, eventually, runSlipway, startAgent, writeConfig } from "./agent-process.ts";
import { readStatus } from "./parent-status.ts";

test("daemon: a Kustomization from git runs in its own loop, answers reconcile/suspend/resume kustomization, and is garbage-collected when removed", async (t) => {
  const env = integration(t);
  if (!env) return;
  const agentNs = await createNamespace(env, t, "slipway-agent");
  const appNs = await createNamespace(env, t, "apps");
  const repo = await createGitRepo(env, t, { branch: "eks" });
  const gotkSync = `apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata: { name: flux-system, namespace: flux-system }
spec: { interval: 1h, ref: { branch: eks }, url: "${repo.httpUrl}" }
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: { name: flux-system, namespace: flux-system }
spec: { interval: 1h, path: ./clusters/eks, prune: true, sourceRef: { kind: GitRepository, name: flux-system } }
`;
  const apps = `apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: { name: apps, namespace: flux-system }
spec: { interval: 1h, path: ./apps, prune: true, targetNamespace: ${appNs}, dependsOn: [{ name: flux-system }], sourceRef: { kind: GitRepository, name: flux-system } }
`;
  await pushChanges(repo, "eks", {
    "clusters/eks/flux-system/gotk-sync.yaml": gotkSync,
    "clusters/eks/apps.yaml": apps,
    "apps/a.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  k: one\n",
  }, "root and apps");
  const config = writeConfig(`namespace: ${agentNs}
listen: "127.0.0.1:0"
sources:
  - { name: flux-system, url: "${repo.httpUrl}", ref: { branch: eks }, interval: 1h }
syncs:
  - { name: flux-system, sourceRef: flux-system, path: ./clusters/eks, interval: 1h, timeout: 1m }
`);
  const agent = startAgent(t, [...agentArgs(env, config, cacheDir()), "--log-format", "json"]);
  await Promise.race([agent.port, agent.exited.then((c) => Promise.reject(new Error(`agent exited ${c}: ${agent.logs()}`)))]);
  await eventually("apps applied", async () => ((await readStatus(env, agentNs, "flux-system/apps"))?.ready === "True" ? true : undefined));
  assert.equal(await kubectl(env, ["get", "configmap", "a", "-n", appNs, "-o", "jsonpath={.data.k}"]), "one");
  const cluster = ["-n", agentNs, "--kubeconfig", env.kubeconfig];

  // Flux's words.
  const rec = await runSlipway(["reconcile", "kustomization", "apps", ...cluster, "--timeout", "1m"]);
  assert.equal(rec.code, 0, rec.stderr + agent.logs());
  assert.match(rec.stderr, /✔ Applied revision: eks@sha1:[0-9a-f]{40}/);
  assert.equal((await runSlipway(["suspend", "kustomization", "apps", ...cluster])).code, 0);
  await eventually("apps suspended", async () => {
    const got = await runSlipway(["get", "kustomizations", ...cluster]);
    return /\napps\s+eks@sha1:[0-9a-f]{40}\s+True\s+True\s+Applied revision/.test(got.stdout) ? true : undefined;
  });
  const refused = await runSlipway(["reconcile", "ks", "flux-system/apps", ...cluster]);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /is suspended/);
  assert.equal((await runSlipway(["resume", "kustomization", "apps", ...cluster])).code, 0);
  await eventually("apps resumed", async () => ((await readStatus(env, agentNs, "flux-system/apps"))?.suspended === false ? true : undefined));

  // A delete of apps' ConfigMap is denied (a ValidatingAdmissionPolicy), active once a probe's delete is refused.
  const policy = `hold-${appNs}`;
  t.after(() => kubectl(env, ["delete", "validatingadmissionpolicybinding,validatingadmissionpolicy", policy, "--ignore-not-found"]).then(() => undefined));
  await kubectl(env, ["apply", "-f", "-"], { input: `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: { name: ${policy} }
spec:
  failurePolicy: Fail
  matchConstraints:
    resourceRules: [{ apiGroups: [""], apiVersions: ["v1"], operations: ["DELETE"], resources: ["configmaps"] }]
  validations:
    - expression: "oldObject.metadata.namespace != '${appNs}' || !(oldObject.metadata.name in ['a', 'probe'])"
      message: held
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: { name: ${policy} }
spec: { policyName: ${policy}, validationActions: [Deny] }
` });
  await eventually("the policy denies deletes", async () => {
    await kubectl(env, ["create", "configmap", "probe", "-n", appNs]).catch(() => "");
    return kubectl(env, ["delete", "configmap", "probe", "-n", appNs]).then(() => undefined, (err: Error) => (/held/.test(String(err)) ? true : undefined));
  });

  // Removed from git: its prune fails, is retried with backoff without the root running again, and succeeds once allowed.
  await pushChanges(repo, "eks", { "clusters/eks/apps.yaml": null }, "drop apps");
  const root = await runSlipway(["reconcile", "flux-system", "--with-source", ...cluster, "--timeout", "1m"]);
  assert.equal(root.code, 0, root.stderr + agent.logs());
  await eventually("a retry scheduled", async () => (/retrying the prune of a sync that left git in \d+s","sync":"flux-system\/apps"/.test(agent.logs()) ? true : undefined));
  assert.ok((await readStatus(env, agentNs, "flux-system/apps")) !== undefined, "the parent stays while its prune fails");
  await kubectl(env, ["delete", "validatingadmissionpolicybinding", policy]);
  await eventually("apps garbage-collected", async () => ((await readStatus(env, agentNs, "flux-system/apps")) === undefined ? true : undefined));
  assert.equal((await kubectl(env, ["get", "configmap", "a", "-n", appNs, "--ignore-not-found", "-o", "name"])).trim(), "");
  // The root ran twice in all: its first run (which took gotk-sync.yaml's settings in the same run) and the one asked for.
  const rootRuns = agent.logs().split("\n").filter((l) => l.includes('"sync":"flux-system"') && l.includes('"msg":"Reconciliation finished'));
  assert.equal(rootRuns.length, 2, rootRuns.join("\n"));
  assert.equal(agent.logs().split("\n").filter((l) => l.includes('"sync":"flux-system"') && l.includes("building again with them")).length, 1, "the first run rebuilt once with the settings from git");
  assert.equal(agent.child.exitCode, null, "the agent keeps running");
});

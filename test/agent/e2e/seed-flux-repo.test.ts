/**
 * The seed's repository as Flux bootstrapped it, run by the agent from the root alone (the
 * configuration's one source and one sync), against the real control plane and git over HTTP:
 * gotk-sync.yaml is recognised as the root (its settings win: its secretRef flux-system is used),
 * the shop and the monitoring stack (a second repository, defined by a GitRepository and a
 * Kustomization committed under clusters/eks/) are applied, `${cluster}` is substituted from a
 * ConfigMap, a Kustomization with an unknown `decryption` provider fails alone, and no Flux controller or CRD appears.
 * Then removed from git means garbage-collected: monitoring-stack's objects and parent, the ECR
 * credentials CronJob. And Flux's own install in flux-system/ is never applied and never touched:
 * on a cluster without Flux no toolkit CRD or controller appears; with Flux's CRDs and
 * controllers installed (as `flux bootstrap` leaves them) they are neither changed nor pruned,
 * even when an older agent had applied them into its set. (One file: both use flux-system.)
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import path from "node:path";
import { integration, createGitRepo, createNamespace, exclusive, kubectl } from "../../env/harness.ts";
import { pushChanges } from "./git-push.ts";
import { agentArgs, cacheDir, runSlipway, writeConfig } from "./agent-process.ts";
import { readStatus } from "./parent-status.ts";
import type { KubeObject } from "../../../agent/kube/kube-object.ts";
import { seedTree } from "./seed-repo.ts";
import { parentId, parentRef } from "../../../agent/applyset/applyset-parent.ts";

test("the seed's repository from the root alone: gotk-sync.yaml is the root, monitoring-stack runs from its own source, decryption fails alone", async (t) => {
  const env = integration(t);
  if (!env) return;
  await exclusive(env, t, "flux-system");
  const agentNs = await createNamespace(env, t, "slipway-agent");
  const appNs = await createNamespace(env, t, "shop");
  const monNs = await createNamespace(env, t, "monitoring");
  // Flux's namespace holds the GitRepository's Secret (flux bootstrap created it) and the ConfigMap of values.
  await kubectl(env, ["create", "namespace", "flux-system"]).catch(() => "exists");
  const repo = await createGitRepo(env, t, { branch: "eks" });
  const monitoring = await createGitRepo(env, t, { branch: "main" });
  const secretUrl = `${env.gitHttpAuthUrl}/${repo.name}.git`;
  await kubectl(env, ["create", "secret", "generic", "flux-system", "-n", "flux-system", `--from-literal=username=${env.gitHttpUser}`, `--from-literal=password=${env.gitHttpPassword}`, "--dry-run=client", "-o", "yaml"]).then((y) => kubectl(env, ["apply", "-f", "-"], { input: y }));
  await kubectl(env, ["create", "configmap", "cluster-vars", "-n", "flux-system", "--from-literal=cluster=eks-test", "--dry-run=client", "-o", "yaml"]).then((y) => kubectl(env, ["apply", "-f", "-"], { input: y }));
  t.after(async () => {
    await kubectl(env, ["delete", "secret/flux-system", "configmap/cluster-vars", "-n", "flux-system", "--ignore-not-found"]);
  });

  // The monitoring repository: a kustomization at ./manifests/monitoring, with a ${cluster} variable.
  const monSha = await pushChanges(monitoring, "main", {
    "manifests/monitoring/kustomization.yaml": "resources:\n  - grafana.yaml\n",
    "manifests/monitoring/grafana.yaml": `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: grafana\n  namespace: ${monNs}\ndata:\n  cluster: \${cluster}\n  region: \${region:=ap-northeast-2}\n`,
  }, "monitoring stack");
  const tree = seedTree({ appNamespace: appNs, url: secretUrl, monitoring: true });
  t.after(() => rmSync(tree, { recursive: true, force: true }));
  const monitoringYaml = (extra = ""): string => `---
apiVersion: source.toolkit.fluxcd.io/v1beta1
kind: GitRepository
metadata:
  name: monitoring
  namespace: flux-system
spec:
  interval: 30m0s
  ref:
    branch: main
  url: ${monitoring.httpUrl}
---
apiVersion: kustomize.toolkit.fluxcd.io/v1beta1
kind: Kustomization
metadata:
  name: monitoring-stack
  namespace: flux-system
spec:
  interval: 1h0m0s
  path: ./manifests/monitoring
  prune: true
  sourceRef:
    kind: GitRepository
    name: monitoring
  healthChecks:
    - apiVersion: apps/v1
      kind: Deployment
      name: account
      namespace: ${appNs}
  postBuild:
    substituteFrom:
      - kind: ConfigMap
        name: cluster-vars
${extra}`;
  const secrets = `---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: secrets
  namespace: flux-system
spec:
  interval: 10m
  path: ./clusters/eks/secrets
  prune: true
  sourceRef:
    kind: GitRepository
    name: flux-system
  decryption:
    provider: vault
`;
  const first = await pushChanges(repo, "eks", {
    clusters: { copyFrom: path.join(tree, "clusters") },
    "clusters/eks/monitoring.yaml": monitoringYaml(),
    "clusters/eks/secrets.yaml": secrets,
    "clusters/eks/orphan.yaml": "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: orphan\n  namespace: flux-system\nspec:\n  interval: 10m\n  path: ./clusters/eks/orphan\n  prune: true\n  dependsOn:\n    - name: ghost\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n",
  }, "the seed's repository");
  const config = writeConfig(`namespace: ${agentNs}
sources:
  - name: flux-system
    url: ${secretUrl}
    ref: { branch: eks }
    secretRef: { name: flux-system, namespace: flux-system }
syncs:
  - name: flux-system
    sourceRef: flux-system
    path: ./clusters/eks
    timeout: 2m
`);
  const args = ["agent", ...agentArgs(env, config, cacheDir()), "--once"];

  const r1 = await runSlipway(args);
  // The decryption Kustomization fails, alone.
  assert.equal(r1.code, 1, r1.stderr);
  const root = await readStatus(env, agentNs, "flux-system");
  assert.equal(root?.ready, "True", JSON.stringify(root));
  assert.equal(root?.message, `Applied revision: eks@sha1:${first}`);
  assert.equal((await kubectl(env, ["get", "deployments", "-n", appNs, "-o", "name"])).trim().split("\n").length, 7);
  const mon = await readStatus(env, agentNs, "flux-system/monitoring-stack");
  assert.equal(mon?.ready, "True", JSON.stringify(mon));
  assert.equal(mon?.message, `Applied revision: main@sha1:${monSha}`);
  assert.match(r1.stderr, /"msg":"health checks passed in [^"]+","sync":"flux-system\/monitoring-stack"/);
  assert.equal(await kubectl(env, ["get", "configmap", "grafana", "-n", monNs, "-o", "jsonpath={.data.cluster}/{.data.region}"]), "eks-test/ap-northeast-2");
  const labels = JSON.parse(await kubectl(env, ["get", "configmap", "grafana", "-n", monNs, "-o", "jsonpath={.metadata.labels}"])) as Record<string, string>;
  assert.equal(labels["slipway.dev/name"], "monitoring-stack");
  assert.equal(labels["slipway.dev/namespace"], "flux-system");
  const sec = await readStatus(env, agentNs, "flux-system/secrets");
  assert.equal(sec?.ready, "False");
  assert.match(sec?.message ?? "", /^clusters\/eks\/secrets\.yaml:15: Kustomization\/flux-system\/secrets: spec\.decryption\.provider: "vault" is not supported \(sops\)/);
  // A dependsOn naming no Kustomization: that sync alone waits, naming the field and file:line.
  const orphan = await readStatus(env, agentNs, "flux-system/orphan");
  assert.equal(orphan?.reason, "DependencyNotReady");
  assert.equal(orphan?.message, "clusters/eks/orphan.yaml:1: spec.dependsOn: Kustomization/flux-system/ghost not found");
  // Flux's words: both Kustomizations Ready in `get kustomizations -A`, the sources fetched.
  const ks = await runSlipway(["get", "kustomizations", "-A", "-n", agentNs, "--kubeconfig", env.kubeconfig]);
  assert.equal(ks.code, 0, ks.stderr);
  const ksLines = ks.stdout.trimEnd().split("\n");
  assert.match(ksLines[0] ?? "", /^NAMESPACE\s+NAME\s+REVISION\s+SUSPENDED\s+READY\s+MESSAGE$/);
  assert.match(ks.stdout, new RegExp(`\\n${agentNs}\\s+flux-system\\s+eks@sha1:${first}\\s+False\\s+True\\s+Applied revision: eks@sha1:${first}`));
  assert.match(ks.stdout, new RegExp(`\\nflux-system\\s+monitoring-stack\\s+main@sha1:${monSha}\\s+False\\s+True\\s+Applied revision: main@sha1:${monSha}`));
  assert.match(ks.stdout, /\nflux-system\s+secrets\s+False\s+False\s+clusters\/eks\/secrets\.yaml:15: /);
  const src = await runSlipway(["get", "sources", "git", "-A", "-n", agentNs, "--kubeconfig", env.kubeconfig]);
  assert.equal(src.code, 0, src.stderr);
  assert.match(src.stdout, new RegExp(`\\nflux-system\\s+monitoring\\s+main@sha1:${monSha}\\s+False\\s+True\\s+Fetched revision: main@sha1:${monSha}`));
  assert.match(src.stdout, new RegExp(`\\n${agentNs}\\s+flux-system\\s+eks@sha1:${first}\\s+False\\s+True\\s+Fetched revision: eks@sha1:${first}`));
  // Each source has a status of its own: URL, ref, the last fetch's time, in -o json.
  const srcJson = await runSlipway(["get", "sources", "git", "-A", "-n", agentNs, "-o", "json", "--kubeconfig", env.kubeconfig]);
  assert.equal(srcJson.code, 0, srcJson.stderr);
  const gitrepos = (JSON.parse(srcJson.stdout) as { gitrepositories: { namespace: string; name: string; ready: string; reason?: string; revision: string; url?: string; ref?: string; lastFetchTime?: string }[] }).gitrepositories;
  const monRepo = gitrepos.find((g) => g.namespace === "flux-system" && g.name === "monitoring");
  assert.equal(monRepo?.reason, "Succeeded", JSON.stringify(gitrepos));
  assert.equal(monRepo?.ref, "branch main");
  assert.equal(monRepo?.revision, `main@sha1:${monSha}`);
  assert.equal(monRepo?.url, monitoring.httpUrl);
  assert.ok(Date.now() - Date.parse(monRepo?.lastFetchTime ?? "") < 10 * 60_000, `a recent fetch time: ${monRepo?.lastFetchTime}`);
  assert.equal(JSON.parse(await kubectl(env, ["get", "configmap", "slipway.source.flux-system.monitoring", "-n", agentNs, "-o", "jsonpath={.data.status}"])).ready, "True", "kept in a ConfigMap of its own");
  // The root's twin in gotk-sync.yaml is the root, not a second sync; v1beta1's validation is noted.
  assert.equal(await readStatus(env, agentNs, "flux-system/flux-system"), undefined);
  assert.match(r1.stderr, /clusters\/eks\/flux-system\/gotk-sync\.yaml:\d+: Kustomization\/flux-system\/flux-system: spec\.validation: is ignored/);
  // No Flux controller or toolkit CRD was created.
  assert.equal((await kubectl(env, ["get", "deployments", "-n", "flux-system", "-o", "name"])).trim(), "");
  assert.equal((await kubectl(env, ["get", "crd", "-o", "name"])).split("\n").filter((n) => n.endsWith(".toolkit.fluxcd.io")).length, 0);
  assert.match(await kubectl(env, ["get", "cronjob", "ecr-credentials-sync", "-n", "flux-system", "-o", "name"]), /ecr-credentials-sync/);

  // Removed from git: monitoring-stack (and its source) and the ECR CronJob; the secrets sync fixed.
  const second = await pushChanges(repo, "eks", {
    "clusters/eks/monitoring.yaml": null,
    "clusters/eks/shop/ecr-job.yml": null,
    "clusters/eks/secrets.yaml": null,
    "clusters/eks/orphan.yaml": null,
  }, "drop the monitoring stack and the ECR workaround");
  const r2 = await runSlipway(args);
  assert.equal(r2.code, 0, r2.stderr);
  assert.equal((await readStatus(env, agentNs, "flux-system"))?.message, `Applied revision: eks@sha1:${second}`);
  assert.equal((await kubectl(env, ["get", "cronjob", "-n", "flux-system", "-o", "name"])).trim(), "", "the CronJob left git and was pruned");
  assert.equal((await kubectl(env, ["get", "configmap", "grafana", "-n", monNs, "-o", "name", "--ignore-not-found"])).trim(), "", "monitoring-stack's objects were pruned");
  assert.equal(await readStatus(env, agentNs, "flux-system/monitoring-stack"), undefined, "and its parent removed");
  assert.equal((await kubectl(env, ["get", "configmap", "slipway.source.flux-system.monitoring", "-n", agentNs, "-o", "name", "--ignore-not-found"])).trim(), "", "the source that left git has no status any more");
  assert.match(r2.stderr, /left git: 1 objects pruned \(ConfigMap\/[a-z0-9-]+\/grafana\)/);
  assert.equal((await kubectl(env, ["get", "deployments", "-n", appNs, "-o", "name"])).trim().split("\n").length, 7, "the shop stays");
});

const controllers = ["source-controller", "kustomize-controller", "helm-controller", "notification-controller", "image-reflector-controller", "image-automation-controller"];

test("the seed's flux-system/: Flux's install is skipped with the reason, never created, changed or pruned", async (t) => {
  const env = integration(t);
  if (!env) return;
  await exclusive(env, t, "flux-system");
  const agentNs = await createNamespace(env, t, "slipway-agent");
  const appNs = await createNamespace(env, t, "shop");
  const repo = await createGitRepo(env, t, { branch: "eks" });
  const tree = seedTree({ appNamespace: appNs, url: repo.httpUrl });
  t.after(() => rmSync(tree, { recursive: true, force: true }));
  const first = await pushChanges(repo, "eks", { clusters: { copyFrom: path.join(tree, "clusters") } }, "the seed's repository");
  // gotk-sync.yaml's GitRepository (the root's settings from the first run on) names the Secret flux bootstrap creates.
  await kubectl(env, ["create", "namespace", "flux-system"]).catch(() => "exists");
  await kubectl(env, ["create", "secret", "generic", "flux-system", "-n", "flux-system", `--from-literal=username=${env.gitHttpUser}`, `--from-literal=password=${env.gitHttpPassword}`, "--dry-run=client", "-o", "yaml"]).then((y) => kubectl(env, ["apply", "-f", "-"], { input: y }));
  t.after(async () => {
    await kubectl(env, ["delete", "secret/flux-system", "-n", "flux-system", "--ignore-not-found"]).catch(() => "");
  });
  const config = writeConfig(`namespace: ${agentNs}
sources:
  - name: manifests
    url: ${repo.httpUrl}
    ref: { branch: eks }
syncs:
  - name: flux-system
    sourceRef: manifests
    path: ./clusters/eks
    timeout: 2m
`);
  const args = ["agent", ...agentArgs(env, config, cacheDir()), "--once"];
  const toolkitCrds = async (): Promise<string[]> =>
    (await kubectl(env, ["get", "crd", "-o", "name"])).split("\n").filter((n) => n.endsWith(".toolkit.fluxcd.io"));

  // 1. No Flux in the cluster: the shop is applied, nothing of Flux's install is.
  const before = await toolkitCrds();
  const r1 = await runSlipway(args);
  assert.equal(r1.code, 0, r1.stderr);
  assert.equal((await readStatus(env, agentNs, "flux-system"))?.message, `Applied revision: eks@sha1:${first}`);
  assert.equal((await kubectl(env, ["get", "deployments", "-n", appNs, "-o", "name"])).trim().split("\n").length, 7);
  if (before.length === 0) assert.deepEqual(await toolkitCrds(), [], "no toolkit CRD was created");
  assert.equal((await kubectl(env, ["get", "deployments", "-n", "flux-system", "-o", "name", "--ignore-not-found"])).trim(), "", "no Flux controller was created");
  // Reported once for the revision, each object with the reason.
  const skippedLog = r1.stderr.split("\n").filter((l) => l.includes("skipped: part of Flux's install"));
  assert.equal(skippedLog.length, 1, r1.stderr);
  assert.match(skippedLog[0] ?? "", /Deployment\/flux-system\/kustomize-controller skipped: part of Flux's install \(app.kubernetes.io\/instance: flux-system, version v0.14.2\)/);
  assert.match(skippedLog[0] ?? "", /CustomResourceDefinition\/kustomizations.kustomize.toolkit.fluxcd.io skipped: a CRD of Flux's kustomize.toolkit.fluxcd.io group/);
  const events = (JSON.parse(await kubectl(env, ["get", "events.events.k8s.io", "-n", agentNs, "-o", "json"])) as { items: { reason: string }[] }).items;
  assert.equal(events.filter((e) => e.reason === "Skipped").length, 1);

  // 2. Flux installed as bootstrap leaves it, and one controller already in the agent's set (as an
  //    older agent that applied gotk-components.yaml would have left it).
  const components = path.resolve(import.meta.dirname, "../../../examples/shop/clusters/eks/flux-system/gotk-components.yaml");
  await kubectl(env, ["apply", "--server-side", "--field-manager", "kustomize-controller", "-f", components]);
  t.after(async () => {
    await kubectl(env, ["delete", "-f", components, "--ignore-not-found", "--wait=false"]);
  });
  const id = parentId(parentRef("flux-system", agentNs));
  await kubectl(env, ["label", "deployment", "source-controller", "-n", "flux-system", `applyset.kubernetes.io/part-of=${id}`]);
  const recorded = await kubectl(env, ["get", "configmap", "slipway-flux-system", "-n", agentNs, "-o", "jsonpath={.metadata.annotations.applyset\\.kubernetes\\.io/additional-namespaces}"]);
  await kubectl(env, ["annotate", "--overwrite", "configmap", "slipway-flux-system", "-n", agentNs, `applyset.kubernetes.io/additional-namespaces=${[...recorded.split(",").filter(Boolean), "flux-system"].sort().join(",")}`]);
  // What a write to the objects themselves would change: uid, generation, labels, annotations
  // and the writers of the main resource; not what the control plane's own controllers keep
  // writing (status, the Deployment's revision annotation).
  const shape = async (args: string[]): Promise<string> => {
    const items = (JSON.parse(await kubectl(env, [...args, "-o", "json"])) as { items: { metadata: KubeObject["metadata"] }[] }).items;
    return items
      .map(({ metadata: m }) => {
        const writers = (m.managedFields ?? []).filter((f) => !f.subresource && f.manager !== "kube-controller-manager").map((f) => `${f.manager ?? ""}:${f.operation ?? ""}:${f.time ?? ""}`);
        const annotations = Object.entries(m.annotations ?? {}).filter(([k]) => k !== "deployment.kubernetes.io/revision");
        return `${m.name}=${m.generation ?? 0}/${m.uid ?? ""} ${JSON.stringify([m.labels ?? {}, annotations, writers])}`;
      })
      .join("\n");
  };
  const snapshot = async (): Promise<string> => shape(["get", "deployments", "-n", "flux-system"]);
  const crdVersions = async (): Promise<string> => shape(["get", "crd", "gitrepositories.source.toolkit.fluxcd.io", "kustomizations.kustomize.toolkit.fluxcd.io"]);
  const deployments = await snapshot();
  const crds = await crdVersions();
  assert.equal(deployments.split("\n").length, controllers.length);

  // A new revision in git (the shop changes) is applied; Flux's install is left exactly as it is.
  const second = await pushChanges(repo, "eks", { "clusters/eks/shop/shop-ingress.yml": null }, "drop the ingress");
  const r2 = await runSlipway(args);
  assert.equal(r2.code, 0, r2.stderr);
  assert.equal((await readStatus(env, agentNs, "flux-system"))?.message, `Applied revision: eks@sha1:${second}`);
  assert.equal((await kubectl(env, ["get", "ingress", "-n", appNs, "-o", "name"])).trim(), "", "the ingress was pruned");
  assert.equal(await snapshot(), deployments, "Flux's controllers are neither changed nor deleted");
  assert.equal(await crdVersions(), crds, "Flux's CRDs are not changed");
  for (const c of controllers) assert.ok(deployments.includes(`${c}=`));
});

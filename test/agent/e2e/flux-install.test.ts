/**
 * Flux's own install in the seed's repository (clusters/eks/flux-system/gotk-components.yaml) is
 * never applied and never touched, against the real control plane: on a cluster without Flux no
 * toolkit CRD or controller appears; with Flux's CRDs and controllers installed (as `flux
 * bootstrap` leaves them) they are neither changed nor pruned, even when an older agent had
 * applied them into its set.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import path from "node:path";
import { integration, createGitRepo, createNamespace, kubectl } from "../../env/harness.ts";
import { pushChanges } from "./git-push.ts";
import { agentArgs, cacheDir, runSlipway, writeConfig } from "./agent-process.ts";
import { readStatus } from "./parent-status.ts";
import { seedTree } from "./seed-repo.ts";
import { parentId, parentRef } from "../../../agent/applyset/applyset-parent.ts";

const controllers = ["source-controller", "kustomize-controller", "helm-controller", "notification-controller", "image-reflector-controller", "image-automation-controller"];

test("the seed's flux-system/: Flux's install is skipped with the reason, never created, changed or pruned", async (t) => {
  const env = integration(t);
  if (!env) return;
  const agentNs = await createNamespace(env, t, "slipway-agent");
  const appNs = await createNamespace(env, t, "shop");
  const repo = await createGitRepo(env, t, { branch: "eks" });
  const tree = seedTree({ appNamespace: appNs, url: repo.httpUrl });
  t.after(() => rmSync(tree, { recursive: true, force: true }));
  const first = await pushChanges(repo, "eks", { clusters: { copyFrom: path.join(tree, "clusters") } }, "the seed's repository");
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
  const snapshot = async (): Promise<string> =>
    kubectl(env, ["get", "deployments", "-n", "flux-system", "-o", "jsonpath={range .items[*]}{.metadata.name}={.metadata.generation}/{.metadata.resourceVersion} {end}"]);
  const crdVersions = async (): Promise<string> =>
    kubectl(env, ["get", "crd", "gitrepositories.source.toolkit.fluxcd.io", "kustomizations.kustomize.toolkit.fluxcd.io", "-o", "jsonpath={range .items[*]}{.metadata.resourceVersion} {end}"]);
  const deployments = await snapshot();
  const crds = await crdVersions();
  assert.equal(deployments.trim().split(" ").length, controllers.length);

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

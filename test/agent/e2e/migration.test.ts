/**
 * The README's "Migrating from Flux", run on the real control plane with the real git server:
 * the seed's cluster as `flux bootstrap` leaves it (Flux's CRDs, Namespace and controllers from
 * gotk-components.yaml, gotk-sync.yaml's GitRepository and Kustomization as CRs, the
 * `flux-system` Secret, and the shop applied by kustomize-controller with Flux's labels); Flux
 * suspended; `slipway bootstrap` over the same repository and path (gotk-sync.yaml is its root);
 * `slipway get kustomizations -A` Ready; Flux uninstalled as `flux uninstall --keep-namespace`
 * does (finalizers removed, controllers and CRDs deleted). No object Flux applied is deleted or
 * recreated (same uid) during the switch, and the namespace and its Secret stay.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import path from "node:path";
import { parseAllDocuments } from "yaml";
import { integration, createGitRepo, createNamespace, exclusive, kubectl } from "../../env/harness.ts";
import { runCli } from "../../cli/run-cli.ts";
import { pushChanges } from "./git-push.ts";
import { agentArgs, cacheDir, eventually, runSlipway, startAgent, writeConfig } from "./agent-process.ts";
import { seedTree } from "./seed-repo.ts";

test("migrating the seed's cluster from Flux: suspend, bootstrap over the same path, uninstall Flux keeping what it applied; nothing Flux applied is recreated", async (t) => {
  const env = integration(t);
  if (!env) return;
  await exclusive(env, t, "flux-system");
  await exclusive(env, t, "slipway-clusterrole");
  const appNs = await createNamespace(env, t, "shop-migrate");
  const agentNs = await createNamespace(env, t, "slipway-migrate");
  await kubectl(env, ["create", "namespace", "flux-system"]).catch(() => "exists");
  const repo = await createGitRepo(env, t, { branch: "eks" });
  const url = `${env.gitHttpAuthUrl}/${repo.name}.git`;
  const tree = seedTree({ appNamespace: appNs, url });
  t.after(() => rmSync(tree, { recursive: true, force: true }));
  await pushChanges(repo, "eks", { clusters: { copyFrom: path.join(tree, "clusters") } }, "flux bootstrap");
  const components = path.join(tree, "clusters/eks/flux-system/gotk-components.yaml");
  t.after(async () => {
    // Flux's install without its Namespace (other tests use flux-system); finalizers first, so that nothing hangs.
    for (const kind of ["kustomizations.kustomize.toolkit.fluxcd.io", "gitrepositories.source.toolkit.fluxcd.io"]) {
      await kubectl(env, ["patch", kind, "flux-system", "-n", "flux-system", "--type", "merge", "-p", '{"metadata":{"finalizers":null}}']).catch(() => "gone");
    }
    await kubectl(env, ["delete", "deployment,serviceaccount,service,networkpolicy,clusterrole,clusterrolebinding,crd", "-A", "-l", "app.kubernetes.io/instance=flux-system", "--ignore-not-found", "--wait=false"]);
    await kubectl(env, ["delete", "secret/flux-system", "-n", "flux-system", "--ignore-not-found"]);
    await kubectl(env, ["delete", "clusterrolebinding,clusterrole", "-l", "app.kubernetes.io/name=slipway", "--ignore-not-found"]);
  });

  // The cluster as flux bootstrap leaves it.
  await kubectl(env, ["apply", "--server-side", "--field-manager", "kustomize-controller", "-f", components]);
  await kubectl(env, ["wait", "--for=condition=Established", "crd/gitrepositories.source.toolkit.fluxcd.io", "crd/kustomizations.kustomize.toolkit.fluxcd.io", "--timeout=60s"]);
  await kubectl(env, ["apply", "--server-side", "--field-manager", "kustomize-controller", "-f", path.join(tree, "clusters/eks/flux-system/gotk-sync.yaml")]);
  await kubectl(env, ["patch", "kustomization.kustomize.toolkit.fluxcd.io/flux-system", "-n", "flux-system", "--type", "merge", "-p", '{"metadata":{"finalizers":["finalizers.fluxcd.io"]}}']);
  await kubectl(env, ["create", "secret", "generic", "flux-system", "-n", "flux-system", `--from-literal=username=${env.gitHttpUser}`, `--from-literal=password=${env.gitHttpPassword}`, "--dry-run=client", "-o", "yaml"]).then((y) => kubectl(env, ["apply", "-f", "-"], { input: y }));
  // What kustomize-controller applied: the shop's build, with Flux's labels.
  const built = await runSlipway(["build", "--path", path.join(tree, "clusters/eks/shop")]);
  assert.equal(built.code, 0, built.stderr);
  const applied = parseAllDocuments(built.stdout)
    .map((d) => d.toJS() as { kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string> } } | null)
    .filter((o): o is NonNullable<typeof o> => o !== null);
  for (const o of applied) o.metadata.labels = { ...o.metadata.labels, "kustomize.toolkit.fluxcd.io/name": "flux-system", "kustomize.toolkit.fluxcd.io/namespace": "flux-system" };
  await kubectl(env, ["apply", "--server-side", "--field-manager", "kustomize-controller", "-f", "-"], { input: JSON.stringify({ apiVersion: "v1", kind: "List", items: applied }) });
  const uids = async (): Promise<string> =>
    kubectl(env, ["get", "all,configmap,ingress,cronjob,serviceaccount", "-A", "-l", "kustomize.toolkit.fluxcd.io/name=flux-system", "-o", "jsonpath={range .items[*]}{.kind}/{.metadata.namespace}/{.metadata.name}={.metadata.uid}{\"\\n\"}{end}"]);
  const before = await uids();
  assert.ok(before.split("\n").filter(Boolean).length >= applied.length - 1, before);

  // 1. Suspend Flux (flux suspend kustomization --all).
  await kubectl(env, ["patch", "kustomization.kustomize.toolkit.fluxcd.io/flux-system", "-n", "flux-system", "--type", "merge", "-p", '{"spec":{"suspend":true}}']);

  // 2. Bootstrap Slipway over the same repository and path; the agent runs as its pod would.
  const flags = ["bootstrap", "--url", url, "--branch", "eks", "--path", "./clusters/eks", "--sync-name", "flux-system", "--namespace", agentNs, "--username", env.gitHttpUser, "--kubeconfig", env.kubeconfig, "--timeout", "150s"];
  const boot = runCli(flags, { input: env.gitHttpPassword + "\n", timeoutMs: 200_000 });
  const config = await eventually("the agent's ConfigMap", async () => {
    const out = await kubectl(env, ["get", "configmap", "-n", agentNs, "-l", "app.kubernetes.io/name=slipway", "-o", "jsonpath={.items[*].data.config\\.yaml}"]).catch(() => "");
    return out.includes("sources:") ? out : undefined;
  }, 150_000);
  const agent = startAgent(t, [...agentArgs(env, writeConfig(config), cacheDir()), "--listen", "127.0.0.1:0"]);
  const r = await boot;
  assert.equal(r.code, 0, `${r.stderr}\n--- agent:\n${agent.logs().slice(-4000)}`);
  assert.match(r.stderr, /the root sync is defined by clusters\/eks\/flux-system\/gotk-sync\.yaml/);

  // 3. slipway get kustomizations -A: Ready, with Flux's columns.
  const get = await runSlipway(["get", "kustomizations", "-A", "-n", agentNs, "--kubeconfig", env.kubeconfig]);
  assert.equal(get.code, 0, get.stderr);
  assert.match(get.stdout, /^NAMESPACE\s+NAME\s+REVISION\s+SUSPENDED\s+READY\s+MESSAGE/m);
  assert.match(get.stdout, new RegExp(`^${agentNs}\\s+flux-system\\s+eks@sha1:[0-9a-f]{40}\\s+False\\s+True\\s+Applied revision`, "m"));

  // 4. Uninstall Flux, keeping what it applied (flux uninstall --keep-namespace; v0.14 labels its install app.kubernetes.io/instance: flux-system, later ones also part-of: flux).
  for (const kind of ["kustomizations.kustomize.toolkit.fluxcd.io", "gitrepositories.source.toolkit.fluxcd.io"]) {
    await kubectl(env, ["patch", kind, "flux-system", "-n", "flux-system", "--type", "merge", "-p", '{"metadata":{"finalizers":null}}']);
  }
  await kubectl(env, ["delete", "deployment,serviceaccount,service,networkpolicy,clusterrole,clusterrolebinding", "-A", "-l", "app.kubernetes.io/instance=flux-system", "--ignore-not-found"]);
  await kubectl(env, ["delete", "crd", "-l", "app.kubernetes.io/instance=flux-system", "--ignore-not-found"]);
  assert.equal((await kubectl(env, ["get", "crd", "-o", "name"])).includes("toolkit.fluxcd.io"), false, "Flux's CRDs are gone");

  // The agent goes on after Flux left: a reconcile with the source is Ready.
  const again = await runSlipway(["reconcile", "kustomization", "flux-system", "--with-source", "-n", agentNs, "--kubeconfig", env.kubeconfig, "--timeout", "90s"]);
  assert.equal(again.code, 0, `${again.stderr}\n--- agent:\n${agent.logs().slice(-3000)}`);
  assert.equal(await uids(), before, "an object Flux applied was deleted or recreated during the switch");
  assert.equal(await kubectl(env, ["get", "namespace", "flux-system", "-o", "jsonpath={.status.phase}"]), "Active");
  assert.equal(Buffer.from(await kubectl(env, ["get", "secret", "flux-system", "-n", "flux-system", "-o", "jsonpath={.data.username}"]), "base64").toString(), env.gitHttpUser, "the flux-system Secret stays: gotk-sync.yaml's secretRef names it");
  assert.equal((await kubectl(env, ["get", "deployments", "-n", "flux-system", "-o", "name"])).trim(), "", "Flux's controllers did not come back");
});

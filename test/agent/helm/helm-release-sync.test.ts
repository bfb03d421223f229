/**
 * A HelmRelease is a sync of its own (as helm-controller reconciles each release apart from its
 * Kustomization), against the real helm and control plane, with `--once` runs:
 * - an agent upgrade: objects the holder applied for a release (as releases were rendered inside
 *   their holder) are adopted by the release's own set, same uids, nothing deleted;
 * - one bad release (a version nothing satisfies) fails alone, naming its file; its holder and
 *   the other releases stay Ready; a release that dependsOn it waits (DependencyNotReady), and
 *   runs once it is fixed; `serviceAccountName` is impersonated; `suspend` holds a release back;
 * - a holder build that fails removes nothing; a release removed from git is uninstalled: its
 *   objects, its parent and its status ConfigMap are deleted.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createGitRepo, createNamespace, integration, kubectl } from "../../env/harness.ts";
import { helmTool, openGoTool } from "../../env/go-tools.ts";
import { pushChanges } from "../e2e/git-push.ts";
import { agentArgs, cacheDir, runSlipway, writeConfig } from "../e2e/agent-process.ts";
import { readStatus } from "../e2e/parent-status.ts";
import { startChartRepo, writeBulkChart } from "./chart-fixture.ts";
import { parentId, parentRef } from "../../../agent/applyset/applyset-parent.ts";
import { helmReleaseKey } from "../../../agent/helm/release-sync.ts";

test("HelmRelease as its own sync: adopted on upgrade, fails alone, dependsOn, serviceAccountName, suspend, uninstalled when removed", async (t) => {
  const env = integration(t);
  if (!env) return;
  const tool = await openGoTool(helmTool);
  if (!tool.bin) return t.skip(tool.skip);
  const agentNs = await createNamespace(env, t, "slipway-agent");
  const ns = await createNamespace(env, t, "hr-sync");
  const charts = await startChartRepo(tool.bin);
  t.after(() => charts.close());
  await charts.add(writeBulkChart(3));

  const repository = `apiVersion: source.toolkit.fluxcd.io/v1
kind: HelmRepository
metadata:
  name: charts
  namespace: ${ns}
spec:
  interval: 10m
  url: ${charts.url}
`;
  const release = (name: string, extra = "", version = "1.x"): string => `apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: ${name}
  namespace: ${ns}
spec:
  interval: 10m
  timeout: 1m
  chart:
    spec:
      chart: bulk
      version: "${version}"
      sourceRef:
        kind: HelmRepository
        name: charts
${extra}`;
  // What the holder applied for release "bulk" before releases were syncs of their own.
  const rendered = [0, 1, 2].map((i) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bulk-${i}\n  namespace: ${ns}\n  labels:\n    helm.toolkit.fluxcd.io/name: bulk\n    helm.toolkit.fluxcd.io/namespace: ${ns}\ndata:\n  index: "${i}"\n`).join("---\n");
  const repo = await createGitRepo(env, t);
  await pushChanges(repo, "main", { "apps/repository.yaml": repository, "apps/rendered.yaml": rendered, "apps/marker.yaml": `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: marker\n  namespace: ${ns}\n` }, "rendered by the holder");
  const config = writeConfig(`namespace: ${agentNs}\nsources:\n  - name: repo\n    url: ${repo.httpUrl}\n    ref: { branch: main }\nsyncs:\n  - name: apps\n    sourceRef: repo\n    path: ./apps\n    timeout: 2m\n`);
  const args = ["agent", ...agentArgs(env, config, cacheDir()), "--once"];
  const agentEnv = { SLIPWAY_HELM: tool.bin };
  const once = async (): Promise<string> => (await runSlipway(args, { env: agentEnv })).stderr;
  const uids = async (): Promise<string> => kubectl(env, ["get", "configmap", "-n", ns, "-l", "helm.toolkit.fluxcd.io/name=bulk", "-o", "jsonpath={range .items[*]}{.metadata.name}={.metadata.uid} {end}"]);
  const key = (name: string): string => helmReleaseKey(ns, name);
  const exists = async (name: string, namespace = ns): Promise<boolean> => (await kubectl(env, ["get", "configmap", name, "-n", namespace, "--ignore-not-found", "-o", "name"])).trim() !== "";

  const log0 = await once();
  assert.equal((await readStatus(env, agentNs, "apps"))?.ready, "True", log0);
  const before = await uids();
  assert.equal(before.trim().split(" ").length, 3, before);

  // 1. The upgrade: the HelmRelease replaces what the holder rendered; a bad release, one that
  //    waits for it, and one applied as a ServiceAccount that may do nothing.
  await pushChanges(repo, "main", {
    "apps/rendered.yaml": null,
    "apps/bulk.yaml": release("bulk"),
    "apps/bad.yaml": release("bad", "", ">=9.0.0"),
    "apps/dep.yaml": release("dep", `  dependsOn:\n    - name: bad\n`),
    "apps/sa.yaml": release("sa", "  serviceAccountName: nobody\n"),
  }, "releases");
  const log1 = await once();
  const holder = await readStatus(env, agentNs, "apps");
  assert.equal(holder?.ready, "True", `the holder stays Ready: ${holder?.message ?? ""}\n${log1}`);
  const bulk = await readStatus(env, agentNs, key("bulk"));
  assert.equal(bulk?.ready, "True", `${bulk?.message ?? ""}\n${log1}`);
  assert.equal(await uids(), before, "the release's objects were adopted, not deleted and created again");
  assert.equal(await kubectl(env, ["get", "configmap", "bulk-0", "-n", ns, "-o", "jsonpath={.metadata.labels.applyset\\.kubernetes\\.io/part-of}"]), parentId(parentRef(key("bulk"), agentNs)));
  const bad = await readStatus(env, agentNs, key("bad"));
  assert.equal(bad?.ready, "False");
  assert.match(bad?.message ?? "", /^apps\/bad\.yaml:\d+: HelmRelease\/[a-z0-9-]+\/bad: .*no version of chart "bulk" satisfies ">=9\.0\.0"/);
  const dep = await readStatus(env, agentNs, key("dep"));
  assert.equal(dep?.ready, "False");
  assert.equal(dep?.reason, "DependencyNotReady", dep?.message);
  assert.equal(await exists("dep-0"), false, "a release whose dependency is not Ready is not applied");
  const sa = await readStatus(env, agentNs, key("sa"));
  assert.equal(sa?.ready, "False");
  assert.match(sa?.message ?? "", new RegExp(`system:serviceaccount:${ns}:nobody`), "the release is applied as its serviceAccountName");
  assert.equal(await exists("sa-0"), false);
  const get = await runSlipway(["get", "hr", "-A", "-n", agentNs, "--kubeconfig", env.kubeconfig]);
  assert.match(get.stdout, /bulk\s+bulk\s+1\.0\.0\s+1\s+True/);
  assert.match(get.stdout, /bad\s+\S*\s+\S*\s+0\s+False\s+apps\/bad\.yaml:\d+/);

  // 2. The bad release fixed, the one that waited runs after it; a suspended release is left alone.
  await pushChanges(repo, "main", { "apps/bad.yaml": release("bad"), "apps/bulk.yaml": release("bulk", "  suspend: true\n  values:\n    count: 4\n"), "apps/sa.yaml": null }, "fixed");
  const log2 = await once();
  assert.equal((await readStatus(env, agentNs, key("bad")))?.ready, "True", log2);
  assert.equal((await readStatus(env, agentNs, key("dep")))?.ready, "True", log2);
  assert.equal(await exists("dep-2"), true);
  assert.equal(await exists("bulk-3"), false, "a suspended release is not reconciled");
  assert.equal(await readStatus(env, agentNs, key("sa")), undefined, "the release removed from git left with its parent");

  // 3. A holder build that fails removes nothing.
  await pushChanges(repo, "main", { "apps/bulk.yaml": release("bulk"), "apps/broken.yaml": "kind: [unclosed\n" }, "broken");
  await once();
  assert.equal((await readStatus(env, agentNs, "apps"))?.reason, "BuildFailed");
  assert.equal(await uids(), before);
  assert.ok(await readStatus(env, agentNs, key("bulk")));

  // 4. Removed from git: uninstalled, with its parent and its status.
  await pushChanges(repo, "main", { "apps/broken.yaml": null, "apps/bulk.yaml": null }, "bulk removed");
  const log4 = await once();
  assert.equal((await readStatus(env, agentNs, "apps"))?.ready, "True", log4);
  assert.equal((await uids()).trim(), "", "the removed release's objects are deleted");
  assert.equal(await readStatus(env, agentNs, key("bulk")), undefined);
  assert.equal(await exists(`slipway-helm-${ns}.bulk`, agentNs), false, "the removed release's status is deleted");
  assert.equal(await exists("bad-0"), true, "the other releases stay");
  assert.equal(await exists("marker"), true);
});

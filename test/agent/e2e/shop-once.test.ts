/**
 * The seed's layout applied by `slipway agent --once` as a real child process, against the real
 * control plane and git over HTTP: create, change, remove-from-git prunes, a broken commit
 * applies and prunes nothing, and `slipway get` shows it all.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { integration, createGitRepo, createNamespace, kubectl } from "../../env/harness.ts";
import { pushChanges } from "./git-push.ts";
import { agentArgs, cacheDir, runSlipway, writeConfig } from "./agent-process.ts";
import { readStatus } from "./parent-status.ts";

const shop = path.resolve(import.meta.dirname, "../../fixtures/shop");

test("the seed's shop: apply, change, prune, broken commit, get", async (t) => {
  const env = integration(t);
  if (!env) return;
  const agentNs = await createNamespace(env, t, "slipway-agent");
  const appNs = await createNamespace(env, t, "shop");
  const repo = await createGitRepo(env, t, { branch: "eks" });
  const first = await pushChanges(repo, "eks", { clusters: { copyFrom: path.join(shop, "clusters") } }, "shop manifests");
  const config = writeConfig(`namespace: ${agentNs}
sources:
  - name: manifests
    url: ${repo.httpUrl}
    ref: { branch: eks }
syncs:
  - name: shop
    sourceRef: manifests
    path: ./clusters/eks/shop
    targetNamespace: ${appNs}
    timeout: 2m
`);
  const cache = cacheDir();
  const args = ["agent", ...agentArgs(env, config, cache), "--once"];

  // 1. Create: the seven services, their Services, the ConfigMap and the Ingress.
  const r1 = await runSlipway(args);
  assert.equal(r1.code, 0, r1.stderr);
  const deployments = (await kubectl(env, ["get", "deployments", "-n", appNs, "-o", "name"])).trim().split("\n").sort();
  assert.deepEqual(deployments, ["account", "apigateway", "bff", "cart", "order", "payment", "product"].map((n) => `deployment.apps/${n}`));
  assert.equal((await kubectl(env, ["get", "services", "-n", appNs, "-o", "name"])).trim().split("\n").length, 7);
  assert.match(await kubectl(env, ["get", "ingress", "shop", "-n", appNs, "-o", "name"]), /ingress.networking.k8s.io\/shop/);
  let status = await readStatus(env, agentNs, "shop");
  assert.equal(status?.ready, "True", JSON.stringify(status));
  assert.equal(status?.reason, "ReconciliationSucceeded");
  assert.equal(status?.message, `Applied revision: eks@sha1:${first}`);
  assert.equal(status?.objects, 16);
  assert.match(status?.lastChangeSet ?? "", /16 created/);
  const labels = JSON.parse(await kubectl(env, ["get", "deployment", "account", "-n", appNs, "-o", "jsonpath={.metadata.labels}"])) as Record<string, string>;
  assert.equal(labels["slipway.dev/name"], "shop");
  assert.ok(labels["applyset.kubernetes.io/part-of"]?.startsWith("applyset-"));
  // One JSON log line per event, with the sync named.
  const lines = r1.stderr.trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.ok(lines.some((l) => l.sync === "shop" && typeof l.msg === "string" && l.msg.includes("Deployment/" + appNs + "/account created")), r1.stderr);
  const events = await kubectl(env, ["get", "events.events.k8s.io", "-n", agentNs, "-o", "json"]);
  const notes = (JSON.parse(events) as { items: { reason: string; note: string; regarding: { name: string } }[] }).items;
  assert.ok(notes.some((e) => e.reason === "ReconciliationSucceeded" && e.regarding.name === "slipway-shop" && e.note.includes(`Deployment/${appNs}/cart created`)), events);
  assert.ok(notes.some((e) => e.reason === "HealthCheckPassed" && /^Health check passed in \d/.test(e.note)), events);

  // 2. Change in git → configured; file removed from git → pruned.
  const second = await pushChanges(repo, "eks", {
    "clusters/eks/shop/shop-configmap.yaml": `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: shop-config\n  namespace: shop\ndata:\n  SPRING_PROFILES_ACTIVE: eks\n  LOG_LEVEL: debug\n`,
    "clusters/eks/shop/shop-ingress.yaml": null,
  }, "debug logs, drop the ingress");
  const r2 = await runSlipway(args);
  assert.equal(r2.code, 0, r2.stderr);
  assert.equal(await kubectl(env, ["get", "configmap", "shop-config", "-n", appNs, "-o", "jsonpath={.data.LOG_LEVEL}"]), "debug");
  assert.equal((await kubectl(env, ["get", "ingress", "-n", appNs, "-o", "name"])).trim(), "", "the ingress left git and was pruned");
  status = await readStatus(env, agentNs, "shop");
  assert.equal(status?.message, `Applied revision: eks@sha1:${second}`);
  assert.equal(status?.objects, 15);
  assert.match(status?.lastChangeSet ?? "", /1 configured, 1 deleted, 14 unchanged/);
  const events2 = (JSON.parse(await kubectl(env, ["get", "events.events.k8s.io", "-n", agentNs, "-o", "json"])) as { items: { reason: string; note: string }[] }).items;
  assert.ok(events2.some((e) => e.reason === "Pruned" && e.note === `Ingress/${appNs}/shop deleted`), JSON.stringify(events2.map((e) => [e.reason, e.note])));

  // 3. A malformed file: Ready=False naming the file, nothing applied or pruned.
  const third = await pushChanges(repo, "eks", {
    "clusters/eks/shop/shop-service.yml": null,
    "clusters/eks/shop/broken.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [broken\n",
  }, "broken");
  const r3 = await runSlipway(args);
  assert.equal(r3.code, 1, "a failed sync makes --once exit 1");
  status = await readStatus(env, agentNs, "shop");
  assert.equal(status?.ready, "False");
  assert.equal(status?.reason, "BuildFailed");
  assert.match(status?.message ?? "", /^clusters\/eks\/shop\/broken\.yaml:\d+: invalid YAML/);
  assert.equal(status?.lastAppliedRevision, `eks@sha1:${second}`);
  assert.equal(status?.lastAttemptedRevision, `eks@sha1:${third}`);
  assert.equal((await kubectl(env, ["get", "services", "-n", appNs, "-o", "name"])).trim().split("\n").length, 7, "nothing was pruned");

  // 4. `slipway get` shows the failure; --output json for scripts.
  const got = await runSlipway(["get", "--namespace", agentNs, "--kubeconfig", env.kubeconfig]);
  assert.equal(got.code, 0, got.stderr);
  const [header, row] = got.stdout.trimEnd().split("\n");
  assert.match(header ?? "", /^NAME\s+READY\s+MESSAGE\s+REVISION\s+SUSPENDED$/);
  assert.match(row ?? "", new RegExp(`^shop\\s+False\\s+clusters/eks/shop/broken\\.yaml:\\d+: invalid YAML.*\\s+eks@sha1:${second}\\s+False$`));
  const json = await runSlipway(["get", "-n", agentNs, "-o", "json", "--kubeconfig", env.kubeconfig]);
  const parsed = JSON.parse(json.stdout) as { name: string; ready: string; reason: string }[];
  assert.deepEqual(parsed.map((p) => [p.name, p.ready, p.reason]), [["shop", "False", "BuildFailed"]]);
});

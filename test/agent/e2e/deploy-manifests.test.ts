/**
 * The install manifests: `kubectl kustomize deploy/` builds, the configuration it ships is valid,
 * the objects pass a server-side dry-run apply on the test cluster, and the Grafana dashboard
 * only queries metrics the agent exports.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { parseAllDocuments, stringify } from "yaml";
import { run } from "../../../core/exec.ts";
import { integration, createNamespace, kubectl } from "../../env/harness.ts";
import { validateConfig } from "../../../agent/config/load-config.ts";
import { createAgentMetrics } from "../../../agent/metrics/agent-metrics.ts";

const deploy = path.resolve(import.meta.dirname, "../../../deploy");

interface Obj {
  kind: string;
  metadata: { name: string; namespace?: string };
  data?: Record<string, string>;
  subjects?: { namespace?: string }[];
  spec?: { template?: { spec?: { containers?: { command?: string[]; args?: string[]; resources?: { requests?: Record<string, string> } }[] } } };
}

async function build(dir: string): Promise<Obj[]> {
  const out = (await run("kubectl", ["kustomize", dir])).stdout;
  return parseAllDocuments(out).map((d) => d.toJS() as Obj);
}

test("deploy/ builds into the agent's install, with a valid configuration", async () => {
  const objs = await build(deploy);
  assert.deepEqual(objs.map((o) => `${o.kind}/${o.metadata.name}`).sort(), [
    "ClusterRole/slipway-agent", "ClusterRoleBinding/slipway-agent", "ConfigMap/" + objs.find((o) => o.kind === "ConfigMap")?.metadata.name, "Deployment/slipway-agent",
    "Namespace/slipway-system", "PodDisruptionBudget/slipway-agent", "Service/slipway-agent", "Service/slipway-receivers", "ServiceAccount/slipway-agent",
  ].sort());
  const cm = objs.find((o) => o.kind === "ConfigMap");
  assert.match(cm?.metadata.name ?? "", /^slipway-config-[a-z0-9]+$/);
  const result = validateConfig(cm?.data?.["config.yaml"] ?? "");
  assert.deepEqual(result.issues, [], "the shipped configuration validates");
  assert.deepEqual(result.config?.syncs.map((s) => s.path), ["./deploy", "./clusters/eks"]);
  const container = objs.find((o) => o.kind === "Deployment")?.spec?.template?.spec?.containers?.[0];
  // Only args: the image's entrypoint (tini, then the agent) stays PID 1.
  assert.equal(container?.command, undefined);
  assert.deepEqual(container?.args, ["agent", "--config", "/etc/slipway/config.yaml"]);
  assert.equal(container?.resources?.requests?.memory, "64Mi");
});

test("the dashboard queries only metrics the agent exports", async () => {
  const dash = readFileSync(path.join(deploy, "monitoring/slipway-dashboard.json"), "utf8");
  const used = new Set([...dash.matchAll(/\b(slipway_[a-z_]+?)(?:_bucket|_count|_sum)?\b/g)].map((m) => m[1] ?? ""));
  const exported = new Set((await createAgentMetrics().registry.getMetricsAsJSON()).map((m) => m.name));
  assert.ok(used.size >= 5, [...used].join(","));
  for (const name of used) assert.ok(exported.has(name), `${name} is exported`);
  const mon = await build(path.join(deploy, "monitoring"));
  assert.deepEqual(mon.map((o) => o.kind).sort(), ["ConfigMap", "PodMonitor"]);
});

test("deploy/ passes a server-side dry-run apply on the cluster", async (t) => {
  const env = integration(t);
  if (!env) return;
  const ns = await createNamespace(env, t, "slipway-deploy");
  // The same install into a namespace of this test's own (the Namespace object itself is left out).
  const objs = (await build(deploy)).filter((o) => o.kind !== "Namespace");
  for (const o of objs) {
    if (o.metadata.namespace) o.metadata.namespace = ns;
    for (const s of o.subjects ?? []) s.namespace = ns;
  }
  const out = await kubectl(env, ["apply", "--server-side", "--dry-run=server", "--field-manager", "slipway-test", "-f", "-"], { input: objs.map((o) => stringify(o)).join("---\n") });
  for (const kind of ["serviceaccount/slipway-agent", "clusterrole.rbac.authorization.k8s.io/slipway-agent", "deployment.apps/slipway-agent", "service/slipway-agent"]) {
    assert.match(out, new RegExp(`${kind.replace(/[./]/g, "\\$&")} serverside-applied \\(server dry run\\)`));
  }
});

// waitHealthy against real controllers (kube-controller-manager, scheduler, kwok nodes).
import { test } from "node:test";
import assert from "node:assert/strict";
import { createNamespace, integration, kubectl } from "../../env/harness.ts";
import { createKubeClient } from "../../../agent/kube/kube-client.ts";
import type { KubeObject } from "../../../agent/kube/kube-object.ts";
import { waitHealthy } from "../../../agent/health/wait-healthy.ts";

const podSpec = { containers: [{ name: "app", image: "registry.example/app:1" }] };

test("a StatefulSet, a DaemonSet, a running Job, a Service and a ConfigMap become healthy", async (t) => {
  const env = integration(t);
  if (!env) return;
  const ns = await createNamespace(env, t, "health");
  const client = await createKubeClient({ kubeconfig: env.kubeconfig });
  t.after(() => client.close());
  const objects: KubeObject[] = [
    { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "conf", namespace: ns }, data: { a: "b" } },
    { apiVersion: "v1", kind: "Service", metadata: { name: "db", namespace: ns }, spec: { clusterIP: "None", selector: { app: "db" }, ports: [{ port: 5432 }] } },
    {
      apiVersion: "apps/v1",
      kind: "StatefulSet",
      metadata: { name: "db", namespace: ns },
      spec: { serviceName: "db", replicas: 2, selector: { matchLabels: { app: "db" } }, template: { metadata: { labels: { app: "db" } }, spec: podSpec } },
    },
    {
      apiVersion: "apps/v1",
      kind: "DaemonSet",
      metadata: { name: "agent", namespace: ns },
      spec: { selector: { matchLabels: { app: "agent" } }, template: { metadata: { labels: { app: "agent" } }, spec: podSpec } },
    },
    { apiVersion: "batch/v1", kind: "Job", metadata: { name: "migrate", namespace: ns }, spec: { template: { spec: { ...podSpec, restartPolicy: "Never" } } } },
  ];
  await kubectl(env, ["apply", "-f", "-"], { input: objects.map((o) => JSON.stringify(o)).join("\n") });
  const report = await waitHealthy({ client, objects, timeoutMs: 90_000, intervalMs: 500, signal: AbortSignal.timeout(120_000) });
  assert.equal(report.healthy, true, report.message);
  const byId = Object.fromEntries(report.objects.map((o) => [o.id, o]));
  assert.match(byId[`StatefulSet/${ns}/db`]?.message ?? "", /^statefulset rolling update complete 2 pods at revision db-/);
  assert.equal(byId[`DaemonSet/${ns}/agent`]?.message, 'daemon set "agent" successfully rolled out');
  assert.match(byId[`Job/${ns}/migrate`]?.message ?? "", /^job "migrate" (is running|completed)/);
  assert.equal(byId[`ConfigMap/${ns}/conf`]?.status, "Current");
});

test("a claim no provisioner binds, and an object that does not exist, time out with their reasons", async (t) => {
  const env = integration(t);
  if (!env) return;
  const ns = await createNamespace(env, t, "health");
  const client = await createKubeClient({ kubeconfig: env.kubeconfig });
  t.after(() => client.close());
  const pvc: KubeObject = {
    apiVersion: "v1",
    kind: "PersistentVolumeClaim",
    metadata: { name: "data", namespace: ns },
    spec: { accessModes: ["ReadWriteOnce"], storageClassName: "none", resources: { requests: { storage: "1Gi" } } },
  };
  await kubectl(env, ["apply", "-f", "-"], { input: JSON.stringify(pvc) });
  const ghost: KubeObject = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "ghost", namespace: ns } };
  const started = Date.now();
  const report = await waitHealthy({ client, objects: [pvc, ghost], timeoutMs: 2_000, intervalMs: 500 });
  assert.ok(Date.now() - started < 10_000);
  assert.equal(report.healthy, false);
  assert.match(report.message, /^timed out after \ds waiting for: /);
  assert.deepEqual(
    report.objects.map((o) => `${o.id} ${o.status} ${o.message}`),
    [`PersistentVolumeClaim/${ns}/data InProgress Waiting for persistentvolumeclaim "data" to be bound (phase Pending)...`, `ConfigMap/${ns}/ghost NotFound configmap "ghost" not found`],
  );
});

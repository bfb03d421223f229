// The apply engine on its own (one GET per object, no ApplySet) against the real API server.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createNamespace, integration, kubectl, uniqueName } from "../../env/harness.ts";
import { ResourceManager } from "../../../agent/apply/resource-manager.ts";
import { createKubeClient } from "../../../agent/kube/kube-client.ts";
import type { KubeObject } from "../../../agent/kube/kube-object.ts";

test("apply reports created / configured / unchanged with a GET per object", async (t) => {
  const env = integration(t);
  if (!env) return;
  const ns = await createNamespace(env, t, "staged");
  const client = await createKubeClient({ kubeconfig: env.kubeconfig });
  t.after(() => client.close());
  const cm = (v: string): KubeObject => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c", namespace: ns }, data: { v } });
  const sa: KubeObject = { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "robot", namespace: ns } };
  const run = async (objects: KubeObject[]): Promise<string[]> => {
    const r = await new ResourceManager({ client }).apply(objects, { signal: AbortSignal.timeout(60_000) });
    assert.deepEqual(r.failures, []);
    return r.entries.map((e) => `${e.id} ${e.action}`);
  };
  assert.deepEqual(await run([cm("1"), sa]), [`ServiceAccount/${ns}/robot created`, `ConfigMap/${ns}/c created`]);
  assert.deepEqual(await run([cm("2"), sa]), [`ServiceAccount/${ns}/robot unchanged`, `ConfigMap/${ns}/c configured`]);
  assert.deepEqual(await run([cm("2"), sa]), [`ServiceAccount/${ns}/robot unchanged`, `ConfigMap/${ns}/c unchanged`]);
  const live = JSON.parse(await kubectl(env, ["get", "configmap", "c", "-n", ns, "-o", "json", "--show-managed-fields"])) as KubeObject;
  assert.deepEqual(live.data, { v: "2" });
  assert.ok(live.metadata.managedFields?.some((m) => m.manager === "slipway" && m.operation === "Apply"));
});

test("a failure in the first stage stops the apply before later stages", async (t) => {
  const env = integration(t);
  if (!env) return;
  const client = await createKubeClient({ kubeconfig: env.kubeconfig });
  t.after(() => client.close());
  const bad = `Bad_${uniqueName("ns")}`;
  const r = await new ResourceManager({ client }).apply(
    [
      { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "never", namespace: "default" }, data: {} },
      { apiVersion: "v1", kind: "Namespace", metadata: { name: bad } },
    ],
    { signal: AbortSignal.timeout(60_000) },
  );
  assert.deepEqual(r.entries, []);
  assert.equal(r.failures.length, 1);
  assert.equal(r.failures[0]?.id, `Namespace/${bad}`);
  assert.match(r.failures[0]?.message ?? "", new RegExp(`^Namespace/${bad}: 422 Invalid: `));
  assert.equal((await kubectl(env, ["get", "configmap", "never", "-n", "default", "--ignore-not-found", "-o", "name"])).trim(), "");
});

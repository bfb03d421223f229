// The sync's ApplySet parent: refused when another tool owns it; other managers' data survives.
import { test } from "node:test";
import assert from "node:assert/strict";
import { kubectl } from "../../env/harness.ts";
import { cm, setup } from "./sync-fixture.ts";

test("a parent owned by another tool is refused and nothing is applied", async (t) => {
  const c = await setup(t);
  if (!c) return;
  await kubectl(c.env, ["create", "configmap", `slipway-${c.sync}`, "-n", c.ns]);
  await kubectl(c.env, ["annotate", "configmap", `slipway-${c.sync}`, "-n", c.ns, "applyset.kubernetes.io/tooling=kubectl/v1.33.0"]);
  const out = await c.apply([cm(c.ns, "a", { k: "1" })]);
  assert.equal(out.errors[0]?.phase, "inventory");
  assert.match(out.errors[0]?.message ?? "", /is managed by kubectl\/v1\.33\.0, not slipway/);
  assert.equal(await c.get(["configmap", "a", "-n", c.ns]), undefined);
});

test("the parent's data written by another field manager (the status writer) survives our writes", async (t) => {
  const c = await setup(t);
  if (!c) return;
  assert.deepEqual((await c.apply([cm(c.ns, "a", { k: "1" })])).errors, []);
  const parentName = `slipway-${c.sync}`;
  await c.client.request({
    method: "PATCH",
    path: `/api/v1/namespaces/${c.ns}/configmaps/${parentName}`,
    query: { fieldManager: "slipway-status", force: "true" },
    body: JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: parentName, namespace: c.ns }, data: { status: '{"ready":true}' } }),
    contentType: "application/apply-patch+yaml",
  });
  assert.deepEqual((await c.apply([cm(c.ns, "b", { k: "1" })])).errors, []);
  const parent = await c.get(["configmap", parentName, "-n", c.ns]);
  assert.deepEqual(parent?.data, { status: '{"ready":true}' });
  assert.equal(parent?.metadata.annotations?.["applyset.kubernetes.io/contains-group-kinds"], "ConfigMap");
});

// Drift: hand edits are put back; an unlabelled existing object is adopted.
import { test } from "node:test";
import assert from "node:assert/strict";
import { kubectl } from "../../env/harness.ts";
import { parentId, parentRef } from "../../../agent/applyset/applyset-parent.ts";
import { cm, deployment, lines, setup } from "./sync-fixture.ts";

test("hand edits (kubectl scale, kubectl patch) are reverted by the next apply; reconcile-disabled objects are skipped", async (t) => {
  const c = await setup(t);
  if (!c) return;
  const conf = cm(c.ns, "conf", { mode: "git" });
  const frozen = cm(c.ns, "frozen", { v: "1" }, { annotations: { "slipway.dev/reconcile": "disabled" } });
  assert.deepEqual((await c.apply([deployment(c.ns, "web", { replicas: 2 }), conf])).errors, []);
  await kubectl(c.env, ["scale", "deployment/web", "-n", c.ns, "--replicas=5"]);
  await kubectl(c.env, ["patch", "configmap/conf", "-n", c.ns, "--type=merge", "-p", '{"data":{"mode":"hand","extra":"x"}}']);
  const out = await c.apply([deployment(c.ns, "web", { replicas: 2 }), conf, frozen]);
  assert.deepEqual(out.errors, []);
  assert.deepEqual(lines(out), [`ConfigMap/${c.ns}/conf configured`, `ConfigMap/${c.ns}/frozen skipped`, `Deployment/${c.ns}/web configured`]);
  assert.equal(((await c.get(["deployment", "web", "-n", c.ns]))?.spec as { replicas?: number } | undefined)?.replicas, 2);
  assert.deepEqual((await c.get(["configmap", "conf", "-n", c.ns]))?.data, { mode: "git" });
  assert.equal(await c.get(["configmap", "frozen", "-n", c.ns]), undefined);
  const again = await c.apply([deployment(c.ns, "web", { replicas: 2 }), conf]);
  assert.deepEqual(lines(again), [`ConfigMap/${c.ns}/conf unchanged`, `Deployment/${c.ns}/web unchanged`]);
});

test("an existing object nobody labelled is adopted (configured, gains the part-of label), then unchanged", async (t) => {
  const c = await setup(t);
  if (!c) return;
  await kubectl(c.env, ["create", "configmap", "legacy", "-n", c.ns, "--from-literal=k=v"]);
  const first = await c.apply([cm(c.ns, "legacy", { k: "v" })]);
  assert.deepEqual(first.errors, []);
  assert.deepEqual(lines(first), [`ConfigMap/${c.ns}/legacy configured`]);
  const live = await c.get(["configmap", "legacy", "-n", c.ns]);
  assert.equal(live?.metadata.labels?.["applyset.kubernetes.io/part-of"], parentId(parentRef(c.sync, c.ns)));
  const second = await c.apply([cm(c.ns, "legacy", { k: "v" })]);
  assert.deepEqual(lines(second), [`ConfigMap/${c.ns}/legacy unchanged`]);
});

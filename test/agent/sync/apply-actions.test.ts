// applySync's change set: created, configured, unchanged; the ApplySet labels on members and parent.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parentId, parentRef } from "../../../agent/applyset/applyset-parent.ts";
import { cm, lines, setup } from "./sync-fixture.ts";

test("objects are created, then configured when changed and unchanged when not; members and parent carry the ApplySet labels", async (t) => {
  const c = await setup(t);
  if (!c) return;
  const a = cm(c.ns, "a", { k: "1" });
  const b = cm(c.ns, "b", { k: "1" });
  const first = await c.apply([a, b]);
  assert.deepEqual(first.errors, []);
  assert.deepEqual(lines(first), [`ConfigMap/${c.ns}/a created`, `ConfigMap/${c.ns}/b created`]);

  const second = await c.apply([cm(c.ns, "a", { k: "2" }), b]);
  assert.deepEqual(lines(second), [`ConfigMap/${c.ns}/a configured`, `ConfigMap/${c.ns}/b unchanged`]);
  assert.deepEqual((await c.get(["configmap", "a", "-n", c.ns]))?.data, { k: "2" });

  const live = await c.get(["configmap", "b", "-n", c.ns]);
  const id = parentId(parentRef(c.sync, c.ns));
  assert.equal(live?.metadata.labels?.["applyset.kubernetes.io/part-of"], id);
  const parent = await c.get(["configmap", `slipway-${c.sync}`, "-n", c.ns]);
  assert.equal(parent?.metadata.labels?.["applyset.kubernetes.io/id"], id);
  assert.equal(parent?.metadata.annotations?.["applyset.kubernetes.io/contains-group-kinds"], "ConfigMap");
  assert.match(parent?.metadata.annotations?.["applyset.kubernetes.io/tooling"] ?? "", /^slipway\/\d+\.\d+\.\d+/);
});

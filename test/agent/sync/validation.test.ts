// A build that fails its checks applies nothing.
import { test } from "node:test";
import assert from "node:assert/strict";
import { cm, setup } from "./sync-fixture.ts";

test("a kind the cluster does not know fails before anything is applied, naming the object", async (t) => {
  const c = await setup(t);
  if (!c) return;
  const out = await c.apply([cm(c.ns, "first", { k: "1" }), { apiVersion: "nope.slipway.test/v1", kind: "Gadget", metadata: { name: "g", namespace: c.ns } }]);
  assert.equal(out.ok, false);
  assert.equal(out.errors.length, 1);
  assert.match(out.errors[0]?.message ?? "", new RegExp(`^Gadget/${c.ns}/g: unknown kind Gadget \\(apiVersion nope.slipway.test/v1\\)`));
  assert.deepEqual(out.changeSet, []);
  assert.equal(await c.get(["configmap", "first", "-n", c.ns]), undefined);
  assert.equal(await c.get(["configmap", `slipway-${c.sync}`, "-n", c.ns]), undefined);
});

test("a document without a name fails validation and nothing is applied", async (t) => {
  const c = await setup(t);
  if (!c) return;
  const out = await c.apply([cm(c.ns, "x", { k: "1" }), { apiVersion: "v1", kind: "ConfigMap", metadata: {} }]);
  assert.equal(out.ok, false);
  assert.equal(out.errors[0]?.message, "document 2 (ConfigMap): every object needs apiVersion, kind and metadata.name");
  assert.equal(await c.get(["configmap", "x", "-n", c.ns]), undefined);
});

test("the same object twice in a build is refused before anything is applied", async (t) => {
  const c = await setup(t);
  if (!c) return;
  const out = await c.apply([cm(c.ns, "dup", { k: "1" }), cm(c.ns, "other", { k: "1" }), cm(c.ns, "dup", { k: "2" })]);
  assert.deepEqual(out.errors.map((e) => e.message), [`ConfigMap/${c.ns}/dup: appears more than once in the build`]);
  assert.equal(await c.get(["configmap", "other", "-n", c.ns]), undefined);
});

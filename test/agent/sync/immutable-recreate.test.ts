// An immutable-field change: refused without force, recreated with it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { deployment, lines, setup } from "./sync-fixture.ts";

test("an immutable field change fails without force, naming the object, and recreates with force", async (t) => {
  const c = await setup(t);
  if (!c) return;
  assert.deepEqual((await c.apply([deployment(c.ns, "web", { app: "one" })])).errors, []);
  const before = await c.get(["deployment", "web", "-n", c.ns]);
  const changed = deployment(c.ns, "web", { app: "two" });
  const refused = await c.apply([changed]);
  assert.equal(refused.ok, false);
  assert.equal(refused.errors[0]?.id, `Deployment/${c.ns}/web`);
  assert.match(refused.errors[0]?.message ?? "", new RegExp(`^Deployment/${c.ns}/web: immutable field changed \\(spec.selector\\)`));
  assert.equal((await c.get(["deployment", "web", "-n", c.ns]))?.metadata.uid, before?.metadata.uid);

  const forced = await c.apply([changed], { force: true });
  assert.deepEqual(forced.errors, []);
  assert.deepEqual(lines(forced), [`Deployment/${c.ns}/web created`]);
  const after = await c.get(["deployment", "web", "-n", c.ns]);
  assert.notEqual(after?.metadata.uid, before?.metadata.uid);
  assert.deepEqual((after?.spec as { selector: unknown }).selector, { matchLabels: { app: "two" } });

  // The per-object marker works without the sync option.
  const marked = deployment(c.ns, "web", { app: "three" });
  marked.metadata.annotations = { "slipway.dev/force": "enabled" };
  assert.deepEqual((await c.apply([marked])).errors, []);
});

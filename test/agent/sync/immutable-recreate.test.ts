// An immutable-field change: refused without force, recreated with it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { AppliedState } from "../../../agent/apply/applied-state.ts";
import { deployment, lines, setup } from "./sync-fixture.ts";

// Both paths to the write: a dry-run first (no applied state, as `--once`), and the daemon's
// direct write of a body git changed since its last apply (the applied state kept).
for (const kept of [false, true]) {
  test(`an immutable field change fails without force, naming the object, and recreates with force${kept ? " (applied state kept: no dry-run first)" : ""}`, async (t) => {
    const c = await setup(t);
    if (!c) return;
    const state = kept ? { applied: new AppliedState() } : {};
    assert.deepEqual((await c.apply([deployment(c.ns, "web", { app: "one" })], state)).errors, []);
    const before = await c.get(["deployment", "web", "-n", c.ns]);
    const changed = deployment(c.ns, "web", { app: "two" });
    const refused = await c.apply([changed], state);
    assert.equal(refused.ok, false);
    assert.equal(refused.errors[0]?.id, `Deployment/${c.ns}/web`);
    assert.match(refused.errors[0]?.message ?? "", new RegExp(`^Deployment/${c.ns}/web: immutable field changed \\(spec.selector\\)`));
    assert.equal((await c.get(["deployment", "web", "-n", c.ns]))?.metadata.uid, before?.metadata.uid);

    const forced = await c.apply([changed], { ...state, force: true });
    assert.deepEqual(forced.errors, []);
    assert.deepEqual(lines(forced), [`Deployment/${c.ns}/web created`]);
    const after = await c.get(["deployment", "web", "-n", c.ns]);
    assert.notEqual(after?.metadata.uid, before?.metadata.uid);
    assert.deepEqual((after?.spec as { selector: unknown }).selector, { matchLabels: { app: "two" } });

    // The per-object marker works without the sync option.
    const marked = deployment(c.ns, "web", { app: "three" });
    marked.metadata.annotations = { "slipway.dev/force": "enabled" };
    assert.deepEqual((await c.apply([marked], state)).errors, []);
    assert.deepEqual(((await c.get(["deployment", "web", "-n", c.ns]))?.spec as { selector: unknown }).selector, { matchLabels: { app: "three" } });
  });
}

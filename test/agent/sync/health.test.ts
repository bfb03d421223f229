// Health after the apply (wait: true): a rollout that passes, one that times out, one past its deadline.
import { test } from "node:test";
import assert from "node:assert/strict";
import { deployment, setup } from "./sync-fixture.ts";

test("a Deployment that rolls out on kwok nodes passes health", async (t) => {
  const c = await setup(t);
  if (!c) return;
  const out = await c.apply([deployment(c.ns, "web", { replicas: 2 })], { wait: true, timeoutMs: 90_000 });
  assert.deepEqual(out.errors, []);
  assert.equal(out.health?.healthy, true);
  assert.deepEqual(out.health?.objects.map((o) => `${o.id} ${o.status} ${o.message}`), [`Deployment/${c.ns}/web Current deployment "web" successfully rolled out`]);
});

test("a Deployment that cannot become available fails health within the timeout, in rollout-status words", async (t) => {
  const c = await setup(t);
  if (!c) return;
  const started = Date.now();
  const out = await c.apply([deployment(c.ns, "stuck", { nodeSelector: { "slipway.test/no-such-node": "true" } })], { wait: true, timeoutMs: 10_000 });
  assert.ok(Date.now() - started < 20_000, `took ${Date.now() - started} ms`);
  assert.equal(out.ok, false);
  assert.equal(out.health?.healthy, false);
  assert.equal(out.errors[0]?.phase, "health");
  assert.equal(out.errors.length, 1);
  assert.equal(out.errors[0]?.id, `Deployment/${c.ns}/stuck`);
  assert.match(
    out.errors[0]?.message ?? "",
    new RegExp(`^Deployment/${c.ns}/stuck: Waiting for deployment "stuck" rollout to finish: (0 of 1 updated replicas are available|0 out of 1 new replicas have been updated)\\.\\.\\. \\(health check timed out after 1\\ds\\)$`),
  );
  assert.match(out.health?.message ?? "", /^timed out after \d+s waiting for: Deployment\//);
});

test("a Deployment past its progress deadline fails health as Failed before the timeout", async (t) => {
  const c = await setup(t);
  if (!c) return;
  const started = Date.now();
  const out = await c.apply([deployment(c.ns, "late", { nodeSelector: { "slipway.test/no-such-node": "true" }, progressDeadlineSeconds: 1 })], { wait: true, timeoutMs: 60_000 });
  assert.equal(out.health?.healthy, false);
  assert.equal(out.health?.objects[0]?.status, "Failed");
  assert.equal(out.errors[0]?.message, `Deployment/${c.ns}/late: deployment "late" exceeded its progress deadline`);
  assert.ok(Date.now() - started < 55_000);
});

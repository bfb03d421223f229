// The ssa markers: IfNotPresent, Ignore, Merge.
import { test } from "node:test";
import assert from "node:assert/strict";
import { kubectl } from "../../env/harness.ts";
import { cm, lines, setup } from "./sync-fixture.ts";

test("ssa markers: IfNotPresent creates once then leaves alone, Ignore skips, Merge keeps fields others added", async (t) => {
  const c = await setup(t);
  if (!c) return;
  const once = (v: string) => cm(c.ns, "once", { v }, { annotations: { "kustomize.toolkit.fluxcd.io/ssa": "IfNotPresent" } });
  const ignored = cm(c.ns, "ignored", { v: "1" }, { labels: { "slipway.dev/ssa": "Ignore" } });
  const merged = (v: string) => cm(c.ns, "merged", { v }, { annotations: { "kustomize.toolkit.fluxcd.io/ssa": "Merge" } });
  const first = await c.apply([once("1"), ignored, merged("1")], { wait: true, timeoutMs: 30_000 });
  assert.deepEqual(first.errors, []);
  assert.deepEqual(lines(first), [`ConfigMap/${c.ns}/ignored skipped`, `ConfigMap/${c.ns}/merged created`, `ConfigMap/${c.ns}/once created`]);
  assert.equal(await c.get(["configmap", "ignored", "-n", c.ns]), undefined);
  await kubectl(c.env, ["patch", "configmap/merged", "-n", c.ns, "--type=merge", "-p", '{"data":{"v":"hand","extra":"x"}}']);
  await kubectl(c.env, ["patch", "configmap/once", "-n", c.ns, "--type=merge", "-p", '{"data":{"v":"hand"}}']);
  const second = await c.apply([once("2"), ignored, merged("1")]);
  assert.deepEqual(lines(second), [`ConfigMap/${c.ns}/ignored skipped`, `ConfigMap/${c.ns}/merged configured`, `ConfigMap/${c.ns}/once skipped`]);
  assert.deepEqual((await c.get(["configmap", "once", "-n", c.ns]))?.data, { v: "hand" });
  assert.deepEqual((await c.get(["configmap", "merged", "-n", c.ns]))?.data, { v: "1", extra: "x" });
});

// Pruning: what left the build is deleted, only after a complete apply, never what is protected or not ours.
import { test } from "node:test";
import assert from "node:assert/strict";
import { kubectl, uniqueName } from "../../env/harness.ts";
import type { KubeClient, KubeRequest } from "../../../agent/kube/kube-client.ts";
import type { KubeObject } from "../../../agent/kube/kube-object.ts";
import { applySync } from "../../../agent/sync/apply-sync.ts";
import { parentId, parentRef } from "../../../agent/applyset/applyset-parent.ts";
import { createLogger } from "../../../core/log.ts";
import { cm, lines, setup } from "./sync-fixture.ts";

test("removing an object from the build prunes it", async (t) => {
  const c = await setup(t);
  if (!c) return;
  const a = cm(c.ns, "a", { k: "1" });
  const b = cm(c.ns, "b", { k: "1" });
  assert.deepEqual((await c.apply([a, b])).errors, []);
  const third = await c.apply([b]);
  assert.deepEqual(third.errors, []);
  assert.deepEqual(third.pruned, [`ConfigMap/${c.ns}/a`]);
  assert.ok(lines(third).includes(`ConfigMap/${c.ns}/a deleted`));
  assert.equal(await c.get(["configmap", "a", "-n", c.ns]), undefined);
  assert.ok(await c.get(["configmap", "b", "-n", c.ns]));
});

test("prune spares prune-disabled objects, another sync's objects and objects nobody applied", async (t) => {
  const c = await setup(t);
  if (!c) return;
  const keepMe = cm(c.ns, "keep", { k: "1" }, { annotations: { "kustomize.toolkit.fluxcd.io/prune": "disabled" } });
  const keepToo = cm(c.ns, "keep-too", { k: "1" }, { labels: { "slipway.dev/prune": "disabled" } });
  const goes = cm(c.ns, "goes", { k: "1" });
  assert.deepEqual((await c.apply([keepMe, keepToo, goes])).errors, []);
  // Another sync in the same namespace, and an object applied by hand.
  const other = await applySync({
    client: c.client,
    sync: uniqueName("other"),
    agentNamespace: c.ns,
    objects: [cm(c.ns, "other", { k: "1" })],
    prune: true,
    wait: false,
    force: false,
    allowEmpty: false,
    timeoutMs: 30_000,
    signal: AbortSignal.timeout(60_000),
    log: createLogger({ write: () => {} }),
  });
  assert.deepEqual(other.errors, []);
  await kubectl(c.env, ["create", "configmap", "by-hand", "-n", c.ns, "--from-literal=k=v"]);

  const out = await c.apply([cm(c.ns, "unrelated-new", { k: "1" })]);
  assert.deepEqual(out.errors, []);
  assert.deepEqual(out.pruned, [`ConfigMap/${c.ns}/goes`]);
  for (const name of ["keep", "keep-too", "other", "by-hand", "unrelated-new"]) assert.ok(await c.get(["configmap", name, "-n", c.ns]), `${name} is gone`);
  assert.equal(await c.get(["configmap", "goes", "-n", c.ns]), undefined);
});

test("the empty-set guard refuses to empty a set unless allowed", async (t) => {
  const c = await setup(t);
  if (!c) return;
  assert.deepEqual((await c.apply([cm(c.ns, "a", { k: "1" })])).errors, []);
  const refused = await c.apply([]);
  assert.equal(refused.ok, false);
  assert.match(refused.errors[0]?.message ?? "", /^ConfigMap\/.+: the build produced no objects but the set has members \(ConfigMap\)/);
  assert.ok(await c.get(["configmap", "a", "-n", c.ns]));
  const allowed = await c.apply([], { allowEmpty: true });
  assert.deepEqual(allowed.errors, []);
  assert.deepEqual(allowed.pruned, [`ConfigMap/${c.ns}/a`]);
  const parent = await c.get(["configmap", `slipway-${c.sync}`, "-n", c.ns]);
  assert.equal(parent?.metadata.annotations?.["applyset.kubernetes.io/contains-group-kinds"], "");
});

test("a failed apply prunes nothing and keeps the old members recorded", async (t) => {
  const c = await setup(t);
  if (!c) return;
  assert.deepEqual((await c.apply([cm(c.ns, "a", { k: "1" }), cm(c.ns, "b", { k: "1" })])).errors, []);
  const out = await c.apply([cm(c.ns, "b", { "not a valid key!": "1" })]);
  assert.equal(out.ok, false);
  assert.equal(out.errors[0]?.phase, "apply");
  assert.match(out.errors[0]?.message ?? "", new RegExp(`^ConfigMap/${c.ns}/b: 422 Invalid: ConfigMap "b" is invalid: data\\[not a valid key!\\]: Invalid value: "not a valid key!": [^:]*$`));
  assert.deepEqual(out.pruned, []);
  assert.ok(await c.get(["configmap", "a", "-n", c.ns]), "a was pruned although the apply failed");
  const parent = await c.get(["configmap", `slipway-${c.sync}`, "-n", c.ns]);
  assert.equal(parent?.metadata.annotations?.["applyset.kubernetes.io/contains-group-kinds"], "ConfigMap");
});

test("an apply cut short (agent killed or timed out) prunes nothing, and the next run converges", async (t) => {
  const c = await setup(t);
  if (!c) return;
  assert.deepEqual((await c.apply([cm(c.ns, "old", { k: "1" })])).errors, []);
  const next = Array.from({ length: 60 }, (_, i) => cm(c.ns, `new-${i}`, { k: String(i) }));
  const ac = new AbortController();
  // Stop as soon as the API server has created the first new object: the rest is still to come.
  const stopAfterFirstCreate: KubeClient = {
    server: c.client.server,
    request: async <T>(req: KubeRequest) => {
      const res = await c.client.request<T>(req);
      if (req.method === "PATCH" && res.status === 201) ac.abort(new Error("agent stopped"));
      return res;
    },
    resource: (apiVersion, kind, signal) => c.client.resource(apiVersion, kind, signal),
    objectPath: (mapping, namespace, name) => c.client.objectPath(mapping, namespace, name),
    impersonate: (user) => c.client.impersonate(user),
    close: () => {},
  };
  const cut = c.apply(next, { client: stopAfterFirstCreate, inventoryClient: c.client, signal: ac.signal, concurrency: 1 });
  const out = await cut;
  assert.equal(out.ok, false);
  assert.deepEqual(out.pruned, []);
  assert.ok(await c.get(["configmap", "old", "-n", c.ns]), "pruned during an interrupted apply");
  const applied = out.changeSet.length;
  assert.ok(applied < 60, `the abort came too late to test anything (${applied} applied)`);
  assert.deepEqual(
    out.errors.map((e) => e.message),
    [`${c.sync}: apply interrupted (agent stopped) after ${applied} of 60 objects; nothing pruned`],
  );

  const again = await c.apply(next);
  assert.deepEqual(again.errors, []);
  assert.deepEqual(again.pruned, [`ConfigMap/${c.ns}/old`]);
  const live = JSON.parse(await kubectl(c.env, ["get", "configmaps", "-n", c.ns, "-l", `applyset.kubernetes.io/part-of=${parentId(parentRef(c.sync, c.ns))}`, "-o", "json"])) as { items: KubeObject[] };
  assert.equal(live.items.length, 60);
});

// applySync against the real local control plane (kube-apiserver + controller-manager + kwok).
// Every test has its own namespace(s) and its own sync name; the ApplySet parent lives in the
// test's namespace.
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { createNamespace, integration, kubectl, uniqueName, type TestEnv } from "../../env/harness.ts";
import { createKubeClient, type KubeClient } from "../../../agent/kube/kube-client.ts";
import type { KubeObject } from "../../../agent/kube/kube-object.ts";
import { applySync, type ApplySyncOptions } from "../../../agent/sync/apply-sync.ts";
import { parentId, parentRef } from "../../../agent/applyset/applyset-parent.ts";
import { createLogger } from "../../../core/log.ts";
import type { SyncOutcome } from "../../../agent/sync/sync-outcome.ts";

interface Ctx {
  env: TestEnv;
  client: KubeClient;
  ns: string;
  sync: string;
  apply(objects: unknown[], extra?: Partial<ApplySyncOptions>): Promise<SyncOutcome>;
  get(args: string[]): Promise<KubeObject | undefined>;
}

async function setup(t: TestContext): Promise<Ctx | undefined> {
  const env = integration(t);
  if (!env) return undefined;
  const ns = await createNamespace(env, t, "sync");
  const client = await createKubeClient({ kubeconfig: env.kubeconfig });
  t.after(() => client.close());
  const sync = uniqueName("s");
  return {
    env,
    client,
    ns,
    sync,
    apply: (objects, extra = {}) =>
      applySync({
        client,
        sync,
        agentNamespace: ns,
        objects,
        prune: true,
        wait: false,
        force: false,
        allowEmpty: false,
        timeoutMs: 60_000,
        signal: AbortSignal.timeout(120_000),
        log: createLogger({ write: () => {} }),
        ...extra,
      }),
    get: async (args) => {
      const out = await kubectl(env, ["get", ...args, "-o", "json", "--ignore-not-found"]);
      return out.trim() === "" ? undefined : (JSON.parse(out) as KubeObject);
    },
  };
}

const cm = (ns: string, name: string, data: Record<string, string>, extra: Partial<KubeObject["metadata"]> = {}): KubeObject => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name, namespace: ns, ...extra },
  data,
});

const deployment = (ns: string, name: string, opts: { replicas?: number; app?: string; nodeSelector?: Record<string, string>; progressDeadlineSeconds?: number } = {}): KubeObject => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name, namespace: ns },
  spec: {
    replicas: opts.replicas ?? 1,
    ...(opts.progressDeadlineSeconds ? { progressDeadlineSeconds: opts.progressDeadlineSeconds } : {}),
    selector: { matchLabels: { app: opts.app ?? name } },
    template: {
      metadata: { labels: { app: opts.app ?? name } },
      spec: {
        containers: [{ name: "app", image: "registry.example/app:1" }],
        ...(opts.nodeSelector ? { nodeSelector: opts.nodeSelector } : {}),
        tolerations: [{ key: "kwok.x-k8s.io/node", operator: "Exists", effect: "NoSchedule" }],
      },
    },
  },
});

const lines = (o: SyncOutcome): string[] => o.changeSet.map((e) => `${e.id} ${e.action}`);

test("create, change, unchanged, then removing an object from the build prunes it", async (t) => {
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

test("a CRD and its custom resource in one apply; unknown fields of a preserve-unknown-fields CR survive", async (t) => {
  const c = await setup(t);
  if (!c) return;
  const group = `${uniqueName("g")}.slipway.test`;
  const crd: KubeObject = {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: `widgets.${group}` },
    spec: {
      group,
      scope: "Namespaced",
      names: { plural: "widgets", singular: "widget", kind: "Widget", listKind: "WidgetList" },
      versions: [{ name: "v1", served: true, storage: true, schema: { openAPIV3Schema: { type: "object", properties: { spec: { type: "object", "x-kubernetes-preserve-unknown-fields": true } } } } }],
    },
  };
  t.after(async () => {
    await kubectl(c.env, ["delete", "crd", `widgets.${group}`, "--ignore-not-found", "--wait=false"]);
  });
  const widget = { apiVersion: `${group}/v1`, kind: "Widget", metadata: { name: "w", namespace: c.ns }, spec: { size: 3, nested: { anything: ["goes", { deep: true }] } } };
  const out = await c.apply([widget, crd]);
  assert.deepEqual(out.errors, []);
  assert.deepEqual(lines(out), [`CustomResourceDefinition/widgets.${group} created`, `Widget/${c.ns}/w created`]);
  const live = await c.get([`widgets.${group}`, "w", "-n", c.ns]);
  assert.deepEqual(live?.spec, { size: 3, nested: { anything: ["goes", { deep: true }] } });
  // Re-applying the same build is a no-op.
  const again = await c.apply([widget, crd]);
  assert.deepEqual(lines(again), [`CustomResourceDefinition/widgets.${group} unchanged`, `Widget/${c.ns}/w unchanged`]);
});

test("a Namespace and objects in it in one apply (namespaced objects without a namespace get the target namespace)", async (t) => {
  const c = await setup(t);
  if (!c) return;
  const newNs = uniqueName("ns");
  t.after(async () => {
    await kubectl(c.env, ["delete", "namespace", newNs, "--ignore-not-found", "--wait=false"]);
  });
  const svc = { apiVersion: "v1", kind: "Service", metadata: { name: "web" }, spec: { ports: [{ port: 80 }], selector: { app: "web" } } };
  const out = await c.apply([svc, cm(newNs, "conf", { a: "b" }), { apiVersion: "v1", kind: "Namespace", metadata: { name: newNs } }], { targetNamespace: newNs });
  assert.deepEqual(out.errors, []);
  assert.deepEqual(lines(out), [`Namespace/${newNs} created`, `ConfigMap/${newNs}/conf created`, `Service/${newNs}/web created`]);
  const parent = await c.get(["configmap", `slipway-${c.sync}`, "-n", c.ns]);
  assert.equal(parent?.metadata.annotations?.["applyset.kubernetes.io/additional-namespaces"], newNs);
  assert.equal(parent?.metadata.annotations?.["applyset.kubernetes.io/contains-group-kinds"], "ConfigMap,Namespace,Service");
});

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

test("an apply cut short (agent killed or timed out) prunes nothing, and the next run converges", async (t) => {
  const c = await setup(t);
  if (!c) return;
  assert.deepEqual((await c.apply([cm(c.ns, "old", { k: "1" })])).errors, []);
  const next = Array.from({ length: 60 }, (_, i) => cm(c.ns, `new-${i}`, { k: String(i) }));
  const ac = new AbortController();
  const cut = c.apply(next, { signal: ac.signal, concurrency: 1 });
  setTimeout(() => ac.abort(new Error("agent stopped")), 150);
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

test("the same object twice in a build is refused before anything is applied", async (t) => {
  const c = await setup(t);
  if (!c) return;
  const out = await c.apply([cm(c.ns, "dup", { k: "1" }), cm(c.ns, "other", { k: "1" }), cm(c.ns, "dup", { k: "2" })]);
  assert.deepEqual(out.errors.map((e) => e.message), [`ConfigMap/${c.ns}/dup: appears more than once in the build`]);
  assert.equal(await c.get(["configmap", "other", "-n", c.ns]), undefined);
});

test("applied as a service account (impersonation): its RBAC decides, the parent is written by the agent's own client", async (t) => {
  const c = await setup(t);
  if (!c) return;
  const appNs = await createNamespace(c.env, t, "rbac");
  await kubectl(c.env, ["create", "serviceaccount", "deployer", "-n", appNs]);
  await kubectl(c.env, ["create", "role", "configmaps", "-n", appNs, "--verb=get,list,watch,create,update,patch,delete", "--resource=configmaps"]);
  await kubectl(c.env, ["create", "rolebinding", "deployer", "-n", appNs, "--role=configmaps", `--serviceaccount=${appNs}:deployer`]);
  const asDeployer = c.client.impersonate(`system:serviceaccount:${appNs}:deployer`);
  const ok = await c.apply([cm(appNs, "allowed", { k: "1" })], { client: asDeployer, inventoryClient: c.client });
  assert.deepEqual(ok.errors, []);
  assert.deepEqual(lines(ok), [`ConfigMap/${appNs}/allowed created`]);
  const denied = await c.apply([cm(appNs, "allowed", { k: "1" }), deployment(appNs, "web")], { client: asDeployer, inventoryClient: c.client });
  assert.equal(denied.ok, false);
  assert.equal(denied.errors[0]?.id, `Deployment/${appNs}/web`);
  assert.match(denied.errors[0]?.message ?? "", new RegExp(`^Deployment/${appNs}/web: 403 Forbidden: .*"system:serviceaccount:${appNs}:deployer" cannot`));
  // Pruning deletes as the service account too.
  const emptied = await c.apply([], { client: asDeployer, inventoryClient: c.client, allowEmpty: true });
  assert.deepEqual(emptied.errors, []);
  assert.deepEqual(emptied.pruned, [`ConfigMap/${appNs}/allowed`]);
});

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

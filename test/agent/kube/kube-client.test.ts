// The raw client against the real API server: errors carry the server's Status, 404 can be
// allowed, discovery finds a kind created after the first lookup, bodies go out verbatim,
// impersonation is honoured.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createNamespace, integration, kubectl, uniqueName } from "../../env/harness.ts";
import { createKubeClient } from "../../../agent/kube/kube-client.ts";
import { KubeApiError } from "../../../agent/kube/kube-api-error.ts";
import { UnknownKindError } from "../../../agent/kube/unknown-kind-error.ts";
import type { KubeObject } from "../../../agent/kube/kube-object.ts";

test("request: 404 throws KubeApiError unless allowed; a conflict carries reason and message", async (t) => {
  const env = integration(t);
  if (!env) return;
  const ns = await createNamespace(env, t, "kc");
  const client = await createKubeClient({ kubeconfig: env.kubeconfig });
  t.after(() => client.close());
  const cms = await client.resource("v1", "ConfigMap");
  const missing = client.objectPath(cms, ns, "missing");
  await assert.rejects(client.request({ method: "GET", path: missing }), (err: unknown) => {
    assert.ok(err instanceof KubeApiError);
    assert.equal(err.status, 404);
    assert.equal(err.reason, "NotFound");
    assert.match(err.message, new RegExp(`^GET ${missing}: 404 NotFound: configmaps "missing" not found`));
    return true;
  });
  assert.equal((await client.request({ method: "GET", path: missing, allowNotFound: true })).status, 404);
  const body = JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "one" }, data: { a: "b" } });
  const created = await client.request<KubeObject>({ method: "POST", path: client.objectPath(cms, ns), body });
  assert.equal(created.status, 201);
  assert.equal(created.body.metadata.name, "one");
  await assert.rejects(client.request({ method: "POST", path: client.objectPath(cms, ns), body }), { status: 409, reason: "AlreadyExists" });
});

test("resource: a kind created after the first lookup is found by the refresh on a miss", async (t) => {
  const env = integration(t);
  if (!env) return;
  const client = await createKubeClient({ kubeconfig: env.kubeconfig });
  t.after(() => client.close());
  const group = `${uniqueName("d")}.slipway.test`;
  await assert.rejects(client.resource(`${group}/v1`, "Thing"), UnknownKindError);
  const crd = {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: `things.${group}` },
    spec: { group, scope: "Cluster", names: { plural: "things", kind: "Thing" }, versions: [{ name: "v1", served: true, storage: true, schema: { openAPIV3Schema: { type: "object", "x-kubernetes-preserve-unknown-fields": true } } }] },
  };
  await kubectl(env, ["apply", "-f", "-"], { input: JSON.stringify(crd) });
  t.after(async () => {
    await kubectl(env, ["delete", "crd", `things.${group}`, "--ignore-not-found", "--wait=false"]);
  });
  await kubectl(env, ["wait", "--for=condition=Established", `crd/things.${group}`, "--timeout=30s"]);
  const m = await client.resource(`${group}/v1`, "Thing");
  assert.deepEqual({ resource: m.resource, namespaced: m.namespaced }, { resource: "things", namespaced: false });
  assert.equal(client.objectPath(m, "ignored", "x"), `/apis/${group}/v1/things/x`);
});

test("request sends apply bodies verbatim: fields of a preserve-unknown-fields object survive", async (t) => {
  const env = integration(t);
  if (!env) return;
  const client = await createKubeClient({ kubeconfig: env.kubeconfig });
  t.after(() => client.close());
  const group = `${uniqueName("v")}.slipway.test`;
  await kubectl(env, ["apply", "-f", "-"], {
    input: JSON.stringify({
      apiVersion: "apiextensions.k8s.io/v1",
      kind: "CustomResourceDefinition",
      metadata: { name: `blobs.${group}` },
      spec: { group, scope: "Cluster", names: { plural: "blobs", kind: "Blob" }, versions: [{ name: "v1", served: true, storage: true, schema: { openAPIV3Schema: { type: "object", "x-kubernetes-preserve-unknown-fields": true } } }] },
    }),
  });
  t.after(async () => {
    await kubectl(env, ["delete", "crd", `blobs.${group}`, "--ignore-not-found", "--wait=false"]);
  });
  await kubectl(env, ["wait", "--for=condition=Established", `crd/blobs.${group}`, "--timeout=30s"]);
  const m = await client.resource(`${group}/v1`, "Blob");
  const name = uniqueName("b");
  const obj = { apiVersion: `${group}/v1`, kind: "Blob", metadata: { name }, topLevel: { odd: [1, "two", { three: null }] }, spec: { x: 1 } };
  await client.request({ method: "PATCH", path: client.objectPath(m, undefined, name), query: { fieldManager: "slipway", force: "true" }, body: JSON.stringify(obj), contentType: "application/apply-patch+yaml" });
  const live = JSON.parse(await kubectl(env, ["get", `blobs.${group}`, name, "-o", "json"])) as KubeObject;
  assert.deepEqual(live.topLevel, { odd: [1, "two", { three: null }] });
  assert.deepEqual(live.spec, { x: 1 });
});

test("impersonate: requests run as the given user (a service account without RBAC is forbidden)", async (t) => {
  const env = integration(t);
  if (!env) return;
  const ns = await createNamespace(env, t, "imp");
  const client = await createKubeClient({ kubeconfig: env.kubeconfig });
  t.after(() => client.close());
  const cms = await client.resource("v1", "ConfigMap");
  const as = client.impersonate(`system:serviceaccount:${ns}:nobody`);
  await assert.rejects(as.request({ method: "GET", path: client.objectPath(cms, ns) }), (err: unknown) => {
    assert.ok(err instanceof KubeApiError);
    assert.equal(err.status, 403);
    assert.match(err.apiMessage, new RegExp(`"system:serviceaccount:${ns}:nobody" cannot list resource "configmaps"`));
    return true;
  });
  assert.equal((await client.request({ method: "GET", path: client.objectPath(cms, ns) })).status, 200);
});

test("an unreachable server is a clear error naming the server", async (t) => {
  const env = integration(t);
  if (!env) return;
  const { mkdtempSync, writeFileSync, readFileSync, rmSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const path = await import("node:path");
  const dir = mkdtempSync(path.join(tmpdir(), "kc-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, "config");
  writeFileSync(file, readFileSync(env.kubeconfig, "utf8").replace(/server: https:\/\/127\.0\.0\.1:\d+/, "server: https://127.0.0.1:1"));
  const client = await createKubeClient({ kubeconfig: file, attempts: 1 });
  t.after(() => client.close());
  await assert.rejects(client.request({ method: "GET", path: "/api/v1/namespaces" }), /cannot reach https:\/\/127\.0\.0\.1:1/);
});

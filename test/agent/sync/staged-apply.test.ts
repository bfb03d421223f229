// Stages: a CRD before its custom resources, a Namespace before the objects in it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { kubectl, uniqueName } from "../../env/harness.ts";
import type { KubeObject } from "../../../agent/kube/kube-object.ts";
import { cm, lines, setup } from "./sync-fixture.ts";

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

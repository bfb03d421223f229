import { test } from "node:test";
import assert from "node:assert/strict";
import { groupKind, inventoryKey, isKubeObject, marker, objectId, parseInventoryKey, splitApiVersion, type KubeObject } from "../../../agent/kube/kube-object.ts";

const deploy: KubeObject = { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "account", namespace: "shop" } };
const ns: KubeObject = { apiVersion: "v1", kind: "Namespace", metadata: { name: "shop" } };

test("objectId is Kind/ns/name, or Kind/name when cluster-scoped", () => {
  assert.equal(objectId(deploy), "Deployment/shop/account");
  assert.equal(objectId(ns), "Namespace/shop");
});

test("splitApiVersion separates group and version; core group is empty", () => {
  assert.deepEqual(splitApiVersion("apps/v1"), { group: "apps", version: "v1" });
  assert.deepEqual(splitApiVersion("v1"), { group: "", version: "v1" });
  assert.deepEqual(splitApiVersion("apiextensions.k8s.io/v1"), { group: "apiextensions.k8s.io", version: "v1" });
});

test("groupKind and inventoryKey follow the ApplySet / inventory formats", () => {
  assert.equal(groupKind(deploy), "Deployment.apps");
  assert.equal(groupKind(ns), "Namespace");
  assert.equal(inventoryKey(deploy), "shop_account_apps_Deployment");
  assert.equal(inventoryKey(ns), "_shop__Namespace");
  // parseInventoryKey reads back what inventoryKey writes, with groupKind's spelling.
  for (const o of [deploy, ns]) {
    const k = parseInventoryKey(inventoryKey(o));
    assert.deepEqual(k, { namespace: o.metadata.namespace ?? "", name: o.metadata.name, group: splitApiVersion(o.apiVersion).group, kind: o.kind, groupKind: groupKind(o) });
  }
});

test("isKubeObject requires apiVersion, kind and metadata.name", () => {
  assert.equal(isKubeObject(deploy), true);
  assert.equal(isKubeObject({ apiVersion: "v1", kind: "ConfigMap", metadata: {} }), false);
  assert.equal(isKubeObject({ kind: "ConfigMap", metadata: { name: "x" } }), false);
  assert.equal(isKubeObject({ apiVersion: "v1", metadata: { name: "x" } }), false);
  assert.equal(isKubeObject([]), false);
  assert.equal(isKubeObject(null), false);
});

test("marker reads a label before an annotation", () => {
  const o: KubeObject = { ...deploy, metadata: { ...deploy.metadata, labels: { a: "label" }, annotations: { a: "annotation", b: "only" } } };
  assert.equal(marker(o, "a"), "label");
  assert.equal(marker(o, "b"), "only");
  assert.equal(marker(o, "c"), undefined);
});

import { test } from "node:test";
import assert from "node:assert/strict";
import { discoveryPath, parseResourceList, resourcePath } from "../../../agent/kube/resource-mapping.ts";

const appsList = {
  kind: "APIResourceList",
  groupVersion: "apps/v1",
  resources: [
    { name: "deployments", kind: "Deployment", namespaced: true, verbs: ["get", "list", "patch", "delete"] },
    { name: "deployments/scale", kind: "Scale", namespaced: true, verbs: ["get", "patch"] },
    { name: "deployments/status", kind: "Deployment", namespaced: true, verbs: ["get"] },
  ],
};

test("parseResourceList maps kinds to resources and skips subresources", () => {
  const m = parseResourceList("apps/v1", appsList);
  assert.deepEqual([...m.keys()], ["Deployment"]);
  assert.deepEqual(m.get("Deployment"), {
    group: "apps",
    version: "v1",
    apiVersion: "apps/v1",
    kind: "Deployment",
    resource: "deployments",
    namespaced: true,
    verbs: ["get", "list", "patch", "delete"],
  });
  assert.equal(parseResourceList("v1", {}).size, 0);
});

test("discoveryPath and resourcePath build API URLs", () => {
  assert.equal(discoveryPath("v1"), "/api/v1");
  assert.equal(discoveryPath("apps/v1"), "/apis/apps/v1");
  const d = parseResourceList("apps/v1", appsList).get("Deployment");
  assert.ok(d);
  assert.equal(resourcePath(d, "shop", "account"), "/apis/apps/v1/namespaces/shop/deployments/account");
  assert.equal(resourcePath(d, "shop"), "/apis/apps/v1/namespaces/shop/deployments");
  assert.equal(resourcePath(d), "/apis/apps/v1/deployments");
  const ns = { group: "", version: "v1", apiVersion: "v1", kind: "Namespace", resource: "namespaces", namespaced: false, verbs: [] };
  assert.equal(resourcePath(ns, "ignored", "shop"), "/api/v1/namespaces/shop");
});

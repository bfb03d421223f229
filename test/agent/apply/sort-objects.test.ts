import { test } from "node:test";
import assert from "node:assert/strict";
import { compareObjects, stageObjects, stageOf } from "../../../agent/apply/sort-objects.ts";
import { objectId, type KubeObject } from "../../../agent/kube/kube-object.ts";

const o = (kind: string, name: string, namespace?: string): KubeObject => ({ apiVersion: "v1", kind, metadata: { name, ...(namespace ? { namespace } : {}) } });

test("stageOf puts CRDs, Namespaces, ClusterRoles first and *Class kinds second", () => {
  assert.equal(stageOf(o("CustomResourceDefinition", "x")), 0);
  assert.equal(stageOf(o("Namespace", "x")), 0);
  assert.equal(stageOf(o("ClusterRole", "x")), 0);
  assert.equal(stageOf(o("IngressClass", "x")), 1);
  assert.equal(stageOf(o("StorageClass", "x")), 1);
  assert.equal(stageOf(o("ClusterRoleBinding", "x")), 2);
  assert.equal(stageOf(o("Deployment", "x")), 2);
});

test("stageObjects orders by kind, then namespace and name; unknown kinds after known ones, webhooks last", () => {
  const input = [
    o("ValidatingWebhookConfiguration", "v"),
    o("Deployment", "b", "shop"),
    o("Widget", "w", "shop"),
    o("Deployment", "a", "shop"),
    o("Deployment", "z", "alpha"),
    o("Service", "s", "shop"),
    o("ConfigMap", "c", "shop"),
    o("Ingress", "i", "shop"),
    o("ServiceAccount", "sa", "shop"),
    o("RoleBinding", "rb", "shop"),
    o("Role", "r", "shop"),
    o("Secret", "sec", "shop"),
    o("ClusterRoleBinding", "crb"),
    o("MutatingWebhookConfiguration", "m"),
    o("Namespace", "shop"),
    o("CustomResourceDefinition", "widgets.example.com"),
    o("ClusterRole", "cr"),
    o("PriorityClass", "high"),
    o("IngressClass", "nginx"),
    o("CronJob", "cj", "shop"),
    o("PodDisruptionBudget", "pdb", "shop"),
    o("StatefulSet", "db", "shop"),
  ];
  const [first, second, rest] = stageObjects(input);
  assert.deepEqual(first.map(objectId), ["CustomResourceDefinition/widgets.example.com", "Namespace/shop", "ClusterRole/cr"]);
  assert.deepEqual(second.map(objectId), ["PriorityClass/high", "IngressClass/nginx"]);
  assert.deepEqual(rest.map(objectId), [
    "ClusterRoleBinding/crb",
    "ServiceAccount/shop/sa",
    "Role/shop/r",
    "RoleBinding/shop/rb",
    "ConfigMap/shop/c",
    "Secret/shop/sec",
    "Service/shop/s",
    "Deployment/alpha/z",
    "Deployment/shop/a",
    "Deployment/shop/b",
    "StatefulSet/shop/db",
    "CronJob/shop/cj",
    "PodDisruptionBudget/shop/pdb",
    "Ingress/shop/i",
    "Widget/shop/w",
    "MutatingWebhookConfiguration/m",
    "ValidatingWebhookConfiguration/v",
  ]);
});

test("compareObjects is a total order that does not depend on input order", () => {
  const a = [o("Service", "b", "x"), o("Service", "a", "x"), o("Service", "a", "w")];
  const sorted1 = [...a].sort(compareObjects).map(objectId);
  const sorted2 = [...a].reverse().sort(compareObjects).map(objectId);
  assert.deepEqual(sorted1, ["Service/w/a", "Service/x/a", "Service/x/b"]);
  assert.deepEqual(sorted2, sorted1);
});

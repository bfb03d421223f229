import { test } from "node:test";
import assert from "node:assert/strict";
import { fieldsReleasedByTakeover, mergeFieldSets, subtractFieldSets, takeOverManagedFields, withoutFields } from "../../../agent/apply/managed-fields.ts";
import type { KubeObject } from "../../../agent/kube/kube-object.ts";

const base = (managedFields: NonNullable<KubeObject["metadata"]["managedFields"]>): KubeObject => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "web", managedFields },
});

test("mergeFieldSets unions nested field sets", () => {
  assert.deepEqual(mergeFieldSets({ "f:spec": { "f:replicas": {} } }, { "f:spec": { "f:paused": {} }, "f:data": {} }), {
    "f:spec": { "f:replicas": {}, "f:paused": {} },
    "f:data": {},
  });
});

test("takeOverManagedFields moves kubectl's fields into our Apply entry and keeps controllers' entries", () => {
  const obj = base([
    { manager: "slipway", operation: "Apply", apiVersion: "apps/v1", fieldsType: "FieldsV1", fieldsV1: { "f:spec": { "f:replicas": {} } } },
    { manager: "kubectl-patch", operation: "Update", apiVersion: "apps/v1", fieldsType: "FieldsV1", fieldsV1: { "f:spec": { "f:paused": {} } } },
    { manager: "kube-controller-manager", operation: "Update", apiVersion: "apps/v1", subresource: "status", fieldsType: "FieldsV1", fieldsV1: { "f:status": {} } },
    { manager: "kubectl", operation: "Update", apiVersion: "apps/v1", subresource: "scale", fieldsType: "FieldsV1", fieldsV1: { "f:spec": { "f:replicas": {} } } },
  ]);
  const out = takeOverManagedFields(obj, "slipway");
  assert.deepEqual(out, [
    { manager: "kube-controller-manager", operation: "Update", apiVersion: "apps/v1", subresource: "status", fieldsType: "FieldsV1", fieldsV1: { "f:status": {} } },
    { manager: "kubectl", operation: "Update", apiVersion: "apps/v1", subresource: "scale", fieldsType: "FieldsV1", fieldsV1: { "f:spec": { "f:replicas": {} } } },
    { manager: "slipway", operation: "Apply", apiVersion: "apps/v1", time: undefined, fieldsType: "FieldsV1", fieldsV1: { "f:spec": { "f:replicas": {}, "f:paused": {} } } },
  ]);
});

test("takeOverManagedFields returns undefined when there is nothing to take over", () => {
  assert.equal(takeOverManagedFields(base([{ manager: "slipway", operation: "Apply", apiVersion: "apps/v1" }]), "slipway"), undefined);
  assert.equal(takeOverManagedFields(base([]), "slipway"), undefined);
});

test("fieldsReleasedByTakeover: what only kubectl owns after the dry-run; withoutFields drops it as the server would", () => {
  const result: KubeObject = {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: {
      name: "c",
      labels: { app: "c" },
      managedFields: [
        { manager: "slipway", operation: "Apply", fieldsV1: { "f:data": { "f:mode": {} }, "f:metadata": { "f:labels": { "f:app": {} } } } },
        { manager: "kubectl-patch", operation: "Update", fieldsV1: { "f:data": { ".": {}, "f:extra": {}, "f:mode": {} } } },
        { manager: "kube-controller", operation: "Update", fieldsV1: { "f:data": { "f:theirs": {} } } },
      ],
    },
    data: { mode: "git", extra: "x", theirs: "y" },
  };
  const released = fieldsReleasedByTakeover(result, "slipway");
  assert.deepEqual(released, { "f:data": { ".": {}, "f:extra": {} } });
  assert.deepEqual(withoutFields(result, released).data, { mode: "git", theirs: "y" });
  assert.deepEqual(subtractFieldSets({ "f:a": {}, "f:b": { "f:c": {} } }, { "f:b": {} }), { "f:a": {} }, "a leaf owns what is under it");
});

test("withoutFields removes list items by key and by value, and a map left empty that the manager created", () => {
  const obj: KubeObject = {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "d" },
    spec: { template: { spec: { containers: [{ name: "app", image: "a" }, { name: "sidecar", image: "b" }] } }, finalizersLike: ["x", "y"], extra: { only: "1" } },
  };
  const out = withoutFields(obj, {
    "f:spec": {
      "f:template": { "f:spec": { "f:containers": { 'k:{"name":"sidecar"}': { ".": {}, "f:name": {}, "f:image": {} } } } },
      "f:finalizersLike": { 'v:"y"': {} },
      "f:extra": { ".": {}, "f:only": {} },
    },
  });
  assert.deepEqual(out.spec, { template: { spec: { containers: [{ name: "app", image: "a" }] } }, finalizersLike: ["x"] });
  assert.equal(withoutFields(obj, {}), obj);
});

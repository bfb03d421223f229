import { test } from "node:test";
import assert from "node:assert/strict";
import { mergeFieldSets, takeOverManagedFields } from "../../../agent/apply/managed-fields.ts";
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

import { test } from "node:test";
import assert from "node:assert/strict";
import { immutableFields, isImmutableError } from "../../../agent/apply/immutable-error.ts";
import { KubeApiError } from "../../../agent/kube/kube-api-error.ts";

test("isImmutableError recognises the server's immutable-field answers", () => {
  const selector = new KubeApiError("PATCH x", {
    status: 422,
    reason: "Invalid",
    message: 'Deployment.apps "web" is invalid: spec.selector: Invalid value: {"matchLabels":{"app":"two"}}: field is immutable',
    causes: [{ field: "spec.selector", message: "Invalid value: ...: field is immutable", reason: "FieldValueInvalid" }],
  });
  assert.equal(isImmutableError(selector), true);
  assert.equal(immutableFields(selector), "spec.selector");
  const clusterIp = new KubeApiError("PATCH y", { status: 422, reason: "Invalid", message: 'Service "s" is invalid: spec.clusterIPs[0]: Invalid value: ["10.0.0.9"]: may not change once set; spec.clusterIP is immutable' });
  assert.equal(isImmutableError(clusterIp), true);
  assert.equal(immutableFields(clusterIp), clusterIp.apiMessage);
});

test("isImmutableError is false for other errors", () => {
  assert.equal(isImmutableError(new KubeApiError("x", { status: 422, reason: "Invalid", message: "spec.replicas: must be >= 0" })), false);
  assert.equal(isImmutableError(new KubeApiError("x", { status: 409, reason: "Conflict", message: "the object has been modified" })), false);
  assert.equal(isImmutableError(new Error("field is immutable")), false);
});

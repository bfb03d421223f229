import { test } from "node:test";
import assert from "node:assert/strict";
import { isStatus, kubeApiErrorFrom } from "../../../agent/kube/kube-api-error.ts";

test("kubeApiErrorFrom reads reason, message and causes from a Status object", () => {
  const body = JSON.stringify({
    kind: "Status",
    status: "Failure",
    reason: "Invalid",
    message: 'Deployment.apps "a" is invalid: spec.selector: Invalid value: field is immutable',
    details: { causes: [{ field: "spec.selector", message: "field is immutable", reason: "FieldValueInvalid" }] },
    code: 422,
  });
  const err = kubeApiErrorFrom("PATCH /apis/apps/v1/namespaces/x/deployments/a", 422, body);
  assert.equal(err.status, 422);
  assert.equal(err.reason, "Invalid");
  assert.match(err.message, /^PATCH \/apis\/apps\/v1\/namespaces\/x\/deployments\/a: 422 Invalid: Deployment.apps "a" is invalid/);
  assert.equal(err.causes[0]?.field, "spec.selector");
  assert.equal(isStatus(err, 422), true);
  assert.equal(isStatus(err, 404), false);
});

test("kubeApiErrorFrom keeps a non-Status body as the message", () => {
  const err = kubeApiErrorFrom("GET /x", 502, "bad gateway\n");
  assert.equal(err.reason, "");
  assert.equal(err.apiMessage, "bad gateway");
});

test("describeError gives the short form of API errors, without the request line or a repeated cause", async () => {
  const { describeError } = await import("../../../agent/kube/kube-api-error.ts");
  const { SlipwayError } = await import("../../../core/errors.ts");
  const api = kubeApiErrorFrom("PATCH /api/v1/x", 422, JSON.stringify({ kind: "Status", reason: "Invalid", message: "bad key" }));
  assert.equal(describeError(api), "422 Invalid: bad key");
  assert.equal(describeError(new SlipwayError("ConfigMap/n/b", describeError(api), { cause: api })), "ConfigMap/n/b: 422 Invalid: bad key");
  assert.equal(describeError(new Error("outer", { cause: new Error("inner") })), "outer: inner");
});

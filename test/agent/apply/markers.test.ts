import { test } from "node:test";
import assert from "node:assert/strict";
import { forceEnabled, pruneDisabled, reconcileDisabled, ssaPolicy } from "../../../agent/apply/markers.ts";
import type { KubeObject } from "../../../agent/kube/kube-object.ts";

const obj = (labels: Record<string, string> = {}, annotations: Record<string, string> = {}): KubeObject => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c", labels, annotations } });

test("opt-out markers are read from labels or annotations, Slipway's and Flux's names alike", () => {
  assert.equal(reconcileDisabled(obj({ "slipway.dev/reconcile": "disabled" })), true);
  assert.equal(reconcileDisabled(obj({}, { "kustomize.toolkit.fluxcd.io/reconcile": "disabled" })), true);
  assert.equal(reconcileDisabled(obj({}, { "kustomize.toolkit.fluxcd.io/reconcile": "enabled" })), false);
  assert.equal(forceEnabled(obj({}, { "slipway.dev/force": "enabled" })), true);
  assert.equal(forceEnabled(obj({ "kustomize.toolkit.fluxcd.io/force": "enabled" })), true);
  assert.equal(forceEnabled(obj()), false);
  assert.equal(pruneDisabled(obj({}, { "kustomize.toolkit.fluxcd.io/prune": "disabled" })), true);
  assert.equal(pruneDisabled(obj({ "slipway.dev/prune": "disabled" })), true);
  assert.equal(pruneDisabled(obj({}, { "slipway.dev/reconcile": "disabled" })), true, "never prune what we do not reconcile");
  assert.equal(pruneDisabled(obj()), false);
});

test("ssaPolicy reads Flux's ssa marker case-insensitively; anything else is Override", () => {
  assert.equal(ssaPolicy(obj()), "Override");
  assert.equal(ssaPolicy(obj({}, { "kustomize.toolkit.fluxcd.io/ssa": "IfNotPresent" })), "IfNotPresent");
  assert.equal(ssaPolicy(obj({}, { "kustomize.toolkit.fluxcd.io/ssa": "merge" })), "Merge");
  assert.equal(ssaPolicy(obj({ "slipway.dev/ssa": "Ignore" })), "Ignore");
  assert.equal(ssaPolicy(obj({}, { "slipway.dev/ssa": "bogus" })), "Override");
});

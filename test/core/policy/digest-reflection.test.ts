// ImagePolicy spec.digestReflectionPolicy and spec.interval, checked as the CRD checks them.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseImagePolicy } from "../../../core/policy/image-policy.ts";

const doc = (spec: Record<string, unknown>, labels?: Record<string, string>) => ({
  apiVersion: "image.toolkit.fluxcd.io/v1",
  kind: "ImagePolicy",
  metadata: { name: "web", namespace: "apps", ...(labels ? { labels } : {}) },
  spec: { imageRepositoryRef: { name: "web" }, policy: { semver: { range: "1.x" } }, ...spec },
});

test("digestReflectionPolicy: Never (default) adds nothing; IfNotPresent; Always with its interval (default 10m)", () => {
  assert.equal(parseImagePolicy(doc({}), "p.yaml:1").digestReflection, undefined);
  assert.equal(parseImagePolicy(doc({ digestReflectionPolicy: "Never" }), "p.yaml:1").digestReflection, undefined);
  assert.deepEqual(parseImagePolicy(doc({ digestReflectionPolicy: "IfNotPresent" }), "p.yaml:1").digestReflection, { policy: "IfNotPresent" });
  assert.deepEqual(parseImagePolicy(doc({ digestReflectionPolicy: "Always", interval: "1h" }), "p.yaml:1").digestReflection, { policy: "Always", interval: "1h" });
  assert.deepEqual(parseImagePolicy(doc({ digestReflectionPolicy: "Always" }), "p.yaml:1").digestReflection, { policy: "Always", interval: "10m" });
});

test("a bad digestReflectionPolicy or interval is refused naming file:line, the object and the field", () => {
  assert.throws(() => parseImagePolicy(doc({ digestReflectionPolicy: "Sometimes" }), "p.yaml:3"), /^SlipwayError: p\.yaml:3: ImagePolicy\/apps\/web: spec\.digestReflectionPolicy must be one of Always, IfNotPresent, Never, got "Sometimes"$/);
  assert.throws(() => parseImagePolicy(doc({ digestReflectionPolicy: "IfNotPresent", interval: "5m" }), "p.yaml:3"), /spec\.interval is only accepted when spec\.digestReflectionPolicy is Always/);
  assert.throws(() => parseImagePolicy(doc({ interval: "5m" }), "p.yaml:3"), /spec\.interval is only accepted/);
  assert.throws(() => parseImagePolicy(doc({ digestReflectionPolicy: "Always", interval: "soon" }), "p.yaml:3"), /spec\.interval "soon" is not a positive duration/);
});

test("labels are kept for policy selectors", () => {
  assert.deepEqual(parseImagePolicy(doc({}, { team: "shop" }), "p.yaml:1").labels, { team: "shop" });
  assert.equal(parseImagePolicy(doc({}), "p.yaml:1").labels, undefined);
});

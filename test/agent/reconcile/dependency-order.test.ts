import { test } from "node:test";
import assert from "node:assert/strict";
import { dependencyOrder, findDependencyCycle } from "../../../agent/reconcile/dependency-order.ts";

test("dependencies come first, configuration order otherwise", () => {
  const order = dependencyOrder([
    { name: "apps", dependsOn: ["infra", "crds"] },
    { name: "monitoring", dependsOn: [] },
    { name: "infra", dependsOn: ["crds"] },
    { name: "crds", dependsOn: [] },
  ]).map((n) => n.name);
  assert.deepEqual(order, ["monitoring", "crds", "infra", "apps"]);
});

test("cycles are found and refused", () => {
  const nodes = [
    { name: "a", dependsOn: ["b"] },
    { name: "b", dependsOn: ["c"] },
    { name: "c", dependsOn: ["a"] },
  ];
  assert.deepEqual(findDependencyCycle(nodes), ["a", "b", "c", "a"]);
  assert.throws(() => dependencyOrder(nodes), /dependency cycle: a → b → c → a/);
  assert.equal(findDependencyCycle([{ name: "x", dependsOn: ["unknown"] }]), undefined);
});

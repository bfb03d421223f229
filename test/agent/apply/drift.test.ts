import { test } from "node:test";
import assert from "node:assert/strict";
import { hasDrifted, jsonEqual } from "../../../agent/apply/drift.ts";
import type { KubeObject } from "../../../agent/kube/kube-object.ts";

const live: KubeObject = {
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name: "c", namespace: "n", labels: { a: "1" }, resourceVersion: "10", generation: 1, managedFields: [{ manager: "slipway" }] },
  data: { k: "v" },
};

test("jsonEqual ignores key order and compares arrays in order", () => {
  assert.equal(jsonEqual({ a: 1, b: [1, { c: 2 }] }, { b: [1, { c: 2 }], a: 1 }), true);
  assert.equal(jsonEqual([1, 2], [2, 1]), false);
  assert.equal(jsonEqual({ a: 1 }, { a: 1, b: 2 }), false);
  assert.equal(jsonEqual(null, {}), false);
});

test("hasDrifted ignores server bookkeeping and status", () => {
  const dry: KubeObject = { ...live, metadata: { ...live.metadata, resourceVersion: "11", generation: 2, managedFields: [] }, status: { x: 1 } };
  assert.equal(hasDrifted(live, dry), false);
});

test("hasDrifted sees changed data, labels and annotations", () => {
  assert.equal(hasDrifted(live, { ...live, data: { k: "w" } }), true);
  assert.equal(hasDrifted(live, { ...live, metadata: { ...live.metadata, labels: { a: "2" } } }), true);
  assert.equal(hasDrifted(live, { ...live, metadata: { ...live.metadata, annotations: { x: "y" } } }), true);
  assert.equal(hasDrifted(live, { ...live, binaryData: {} }), true);
});

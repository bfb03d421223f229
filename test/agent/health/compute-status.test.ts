import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { parse } from "yaml";
import { computeStatus } from "../../../agent/health/compute-status.ts";
import type { KubeObject } from "../../../agent/kube/kube-object.ts";

const dir = path.resolve(import.meta.dirname, "../../fixtures/health");
const now = new Date("2026-01-01T00:01:00Z");

interface Fixture {
  expected: { status: string; message?: string };
  object: KubeObject;
}

const files = readdirSync(dir).filter((f) => f.endsWith(".yaml")).sort();

test("there are health fixtures for every kind with a rule", () => {
  const kinds = new Set(files.map((f) => (parse(readFileSync(path.join(dir, f), "utf8")) as Fixture).object.kind));
  for (const k of ["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "Pod", "PodDisruptionBudget", "PersistentVolumeClaim", "Service", "CustomResourceDefinition", "ConfigMap", "Widget"]) {
    assert.ok(kinds.has(k), `no fixture for ${k}`);
  }
});

for (const file of files) {
  test(`health fixture ${file}`, () => {
    const fx = parse(readFileSync(path.join(dir, file), "utf8")) as Fixture;
    const got = computeStatus(fx.object, now);
    assert.equal(got.status, fx.expected.status, `${file}: ${got.message}`);
    if (fx.expected.message !== undefined) assert.equal(got.message, fx.expected.message);
  });
}

import { test } from "node:test";
import assert from "node:assert/strict";
import { createAgentMetrics } from "../../../agent/metrics/agent-metrics.ts";

test("every metric is registered with its type and labels; each agent has its own registry", async () => {
  const m = createAgentMetrics();
  m.reconciled("shop", true, 0.4);
  m.ready("shop", false);
  m.suspended("shop", true);
  m.fetched("manifests", false, 2);
  m.applied("shop", { configured: 2 });
  const json = await m.registry.getMetricsAsJSON();
  const byName = new Map(json.map((x) => [x.name, x]));
  const expect: [string, string, string[]][] = [
    ["slipway_reconcile_duration_seconds", "histogram", ["sync"]],
    ["slipway_reconcile_total", "counter", ["sync", "result"]],
    ["slipway_sync_ready", "gauge", ["sync"]],
    ["slipway_sync_suspended", "gauge", ["sync"]],
    ["slipway_source_fetch_duration_seconds", "histogram", ["source", "result"]],
    ["slipway_applied_objects", "gauge", ["sync", "action"]],
    ["slipway_build_info", "gauge", ["version"]],
  ];
  for (const [name, type, labels] of expect) {
    const metric = byName.get(name);
    assert.ok(metric, name);
    assert.equal(String(metric.type), type, name);
    const seen = new Set(metric.values.flatMap((v) => Object.keys(v.labels)).filter((l) => l !== "le"));
    assert.deepEqual([...seen].sort(), [...labels].sort(), name);
  }
  const text = await m.render();
  assert.match(text, /slipway_sync_ready\{sync="shop"\} 0/);
  assert.match(text, /slipway_sync_suspended\{sync="shop"\} 1/);
  assert.match(text, /slipway_source_fetch_duration_seconds_count\{source="manifests",result="failure"\} 1/);
  assert.match(text, /slipway_applied_objects\{sync="shop",action="configured"\} 2/);
  assert.match(text, /slipway_applied_objects\{sync="shop",action="created"\} 0/);
  const other = createAgentMetrics();
  assert.doesNotMatch(await other.render(), /sync="shop"/, "registries are not shared");
});

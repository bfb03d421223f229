/**
 * deploy/monitoring's dashboard against Grafana's own schema (the Grafana Foundation SDK's strict
 * decoding, generated from Grafana's dashboard and core panel schemas): valid as it is, declaring
 * the schemaVersion of that schema, and a dashboard that breaks the schema is refused with its path.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { checkDashboard, grafanaSchemaChecker } from "../../env/grafana-schema.ts";

const file = path.resolve(import.meta.dirname, "../../../deploy/monitoring/slipway-dashboard.json");

test("the dashboard is valid for Grafana's dashboard schema of the version it declares; a broken copy is refused naming each path", { timeout: 15 * 60_000 }, async (t) => {
  const checker = await grafanaSchemaChecker(AbortSignal.timeout(15 * 60_000));
  if ("skip" in checker) {
    t.skip(checker.skip);
    return;
  }
  const text = readFileSync(file, "utf8");
  const signal = AbortSignal.timeout(60_000);
  const ok = await checkDashboard(checker.bin, text, signal);
  assert.deepEqual(ok.errors, [], "deploy/monitoring/slipway-dashboard.json");
  const dashboard = JSON.parse(text) as { schemaVersion: number; annotations?: unknown; panels: { type: string; options?: Record<string, unknown>; colour?: string }[] };
  assert.equal(dashboard.schemaVersion, ok.schemaVersion, "the dashboard declares the schema version it was checked against");

  // The same dashboard, broken three ways the schema forbids: the check is not a formality.
  const stat = dashboard.panels.findIndex((p) => p.type === "stat");
  assert.ok(stat >= 0, "the dashboard has a stat panel");
  const broken = structuredClone(dashboard);
  delete broken.annotations;
  broken.panels[0]!.colour = "red";
  broken.panels[stat]!.options = { ...broken.panels[stat]!.options, graphMode: 7 };
  const bad = await checkDashboard(checker.bin, JSON.stringify(broken), signal);
  assert.ok(bad.errors.some((e) => e.startsWith("annotations:")), bad.errors.join("\n"));
  assert.ok(bad.errors.some((e) => e.startsWith("panels[0]") && e.includes("colour")), bad.errors.join("\n"));
  assert.ok(bad.errors.some((e) => e.startsWith(`panels[${stat}].options.graphMode`)), bad.errors.join("\n"));
});

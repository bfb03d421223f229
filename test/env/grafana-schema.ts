/**
 * Grafana's own dashboard schema as a check: a small Go program (test/env/grafana-schema) that
 * decodes a dashboard strictly with the Grafana Foundation SDK, whose types are generated from
 * Grafana's dashboard and core panel schemas. Built once from the Go module proxy into the test
 * cache like the oracle (same builder, its own stamp).
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { SlipwayError } from "../../core/errors.ts";
import { run } from "../../core/exec.ts";
import { defaultOracleCacheDir, ensureOracle, goProgram, oracleStamp } from "./oracle.ts";

/** The Go module of the checker (go.mod, go.sum, main.go). */
export const grafanaSchemaModuleDir: string = path.resolve(import.meta.dirname, "grafana-schema");

/** What the checker says of one dashboard. */
export interface DashboardCheck {
  /** The schemaVersion of the dashboard schema the SDK was generated from. */
  schemaVersion: number;
  /** Every error of the strict decoding, each naming its JSON path; empty when valid. */
  errors: string[];
}

/** The checker's binary, or why it cannot run here (a unit-only run, or no Go toolchain and nothing cached). */
export async function grafanaSchemaChecker(signal?: AbortSignal): Promise<{ bin: string } | { skip: string }> {
  if (process.env.SLIPWAY_UNIT_ONLY === "1") return { skip: "Grafana schema check built with Go (unit-only run)" };
  const cached = path.join(defaultOracleCacheDir(), "oracle", oracleStamp(grafanaSchemaModuleDir).slice(0, 16), "oracle");
  if (!existsSync(cached) && !goProgram()) return { skip: "no Go toolchain to build the Grafana schema check (test/env/grafana-schema)" };
  return { bin: await ensureOracle({ moduleDir: grafanaSchemaModuleDir, ...(signal ? { signal } : {}) }) };
}

/** Checks one dashboard JSON text with the checker `bin`. */
export async function checkDashboard(bin: string, json: string, signal: AbortSignal): Promise<DashboardCheck> {
  const { stdout } = await run(bin, [], { input: json, signal });
  try {
    return JSON.parse(stdout) as DashboardCheck;
  } catch (err) {
    throw new SlipwayError("grafana-schema", `the checker printed no JSON: ${stdout.slice(0, 200)}`, { cause: err });
  }
}

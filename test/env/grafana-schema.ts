/**
 * Grafana's own dashboard schema as a check: a small Go program (test/env/grafana-schema) that
 * decodes a dashboard strictly with the Grafana Foundation SDK, whose types are generated from
 * Grafana's dashboard and core panel schemas. Built once from the Go module proxy into the test
 * cache like the oracle (same builder, its own stamp).
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { SlipwayError } from "../../core/errors.ts";
import { findProgram } from "./apt.ts";
import { defaultOracleCacheDir, ensureOracle, oracleStamp } from "./oracle.ts";

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
  if (!existsSync(cached) && !findProgram("go") && !existsSync("/usr/local/go/bin/go")) return { skip: "no Go toolchain to build the Grafana schema check (test/env/grafana-schema)" };
  return { bin: await ensureOracle({ moduleDir: grafanaSchemaModuleDir, ...(signal ? { signal } : {}) }) };
}

/** Checks one dashboard JSON text with the checker `bin`. */
export async function checkDashboard(bin: string, json: string, signal: AbortSignal): Promise<DashboardCheck> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, [], { stdio: ["pipe", "pipe", "pipe"], signal });
    let out = "";
    let err = "";
    child.stdout.setEncoding("utf8").on("data", (c: string) => (out += c));
    child.stderr.setEncoding("utf8").on("data", (c: string) => (err += c));
    child.on("error", (e) => reject(new SlipwayError("grafana-schema", "the checker did not run", { cause: e })));
    child.on("close", (code) => {
      if (code !== 0) return reject(new SlipwayError("grafana-schema", `the checker exited with ${code}: ${err.trim()}`));
      try {
        resolve(JSON.parse(out) as DashboardCheck);
      } catch (e) {
        reject(new SlipwayError("grafana-schema", `the checker printed no JSON: ${out.slice(0, 200)}`, { cause: e }));
      }
    });
    child.stdin.end(json);
  });
}

/**
 * Benchmark: the differential suites without shrinking. For each suite (filterTags patterns,
 * semver and policies, templates, kstatus), draws N generated cases, asks Slipway and the Go
 * oracle (test/env/oracle), and prints how many were compared, how many disagreed, and the time.
 * With `--show K` it prints up to K distinct disagreements per suite.
 *
 * Usage: node bench/differential.ts [--cases 20000] [--show 0] [--suite regex,…]
 */
import { parseArgs } from "node:util";
import fc from "fast-check";
import { ensureOracle, startOracle, type Oracle } from "../test/env/oracle.ts";
import { suites } from "../test/differential/suites.ts";

const { values } = parseArgs({ options: { cases: { type: "string", default: "20000" }, show: { type: "string", default: "0" }, suite: { type: "string", default: "" } } });
const N = Number(values.cases);
const SHOW = Number(values.show);
const only = values.suite ? values.suite.split(",") : undefined;

const oracle: Oracle = startOracle(await ensureOracle());
const rows: string[] = [];
for (const suite of suites) {
  if (only && !only.includes(suite.name)) continue;
  const cases = fc.sample(suite.arbitrary, N);
  const start = performance.now();
  const diffs = (await Promise.all(cases.map(async (c) => ({ c, d: await suite.compare(oracle, c) })))).filter((x) => x.d !== undefined);
  const ms = performance.now() - start;
  rows.push(`| ${suite.name} | ${cases.length} | ${diffs.length} | ${ms.toFixed(0)} |`);
  const seen = new Set<string>();
  for (const { c, d } of diffs) {
    if (seen.size >= SHOW) break;
    const k = (d ?? "").replace(/`[^`]*`/g, "`…`").replace(/"(key|output|tag)":"[^"]*"/g, "");
    if (seen.has(k)) continue;
    seen.add(k);
    console.log(`${suite.name}: ${JSON.stringify(c)}\n  ${(d ?? "").replaceAll("\n", "\n  ")}`);
  }
}
await oracle.close();
console.log("\n| suite | cases compared | disagreed | ms |\n|---|---:|---:|---:|");
for (const r of rows) console.log(r);

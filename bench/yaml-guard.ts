/**
 * Benchmark: the worst-case time of the YAML alias-bomb guard (core/yaml-guard.ts) on hostile
 * and on large ordinary input — billion-laughs bombs of several shapes, a long chain of anchors
 * that doubles at each step (exponential without memoization), a recursive alias, and 1 MiB
 * manifests with and without anchors. For each: the outcome, the worst and the median of the
 * runs, and what the yaml library's own `toJS` guard does with the same text. Prints a markdown
 * table.
 *
 * Usage: node bench/yaml-guard.ts [--runs 7]
 */
import { cpus, loadavg } from "node:os";
import { parseArgs } from "node:util";
import { parseAllDocuments } from "yaml";
import { checkYamlAliases } from "../core/yaml-guard.ts";
import { aliasBomb } from "../test/hardening/yaml-limits.ts";

const { values } = parseArgs({ options: { runs: { type: "string", default: "7" } } });
const RUNS = Number(values.runs);

/** `a0: &a0 [x]`, then each `aN: &aN [*aN-1, *aN-1]`: 2^n nodes when expanded. */
function doublingChain(n: number): string {
  const lines = ["a0: &a0 [x]"];
  for (let i = 1; i <= n; i++) lines.push(`a${i}: &a${i} [*a${i - 1}, *a${i - 1}]`);
  return lines.join("\n") + "\n";
}

/** About 1 MiB of Deployments; with `anchors`, each shares its env list through an anchor. */
function bigManifest(anchors: boolean): string {
  const docs: string[] = [];
  for (let i = 0; docs.join("").length < 2 ** 20; i++) {
    const env = `[{name: A, value: "${i}"}, {name: B, value: "x"}]`;
    docs.push(
      `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app-${i}\nspec:\n  template:\n    spec:\n      containers:\n` +
        `        - name: a\n          image: registry.example/app:${i}\n          env: ${anchors ? `&env${i} ` : ""}${env}\n` +
        `        - name: b\n          image: registry.example/side:${i}\n          env: ${anchors ? `*env${i}` : env}\n`,
    );
  }
  return docs.join("---\n");
}

const inputs: [string, string][] = [
  ["billion laughs 9×9", aliasBomb(9, 9)],
  ["billion laughs 12×12", aliasBomb(12, 12)],
  ["billion laughs 40 levels × 2", aliasBomb(40, 2)],
  ["2 levels × 20,000 aliases", aliasBomb(2, 20_000)],
  ["doubling chain of 5,000 anchors", doublingChain(5_000)],
  ["recursive alias", "a: &a [1, *a]\n"],
  ["1 MiB manifests, no anchors", bigManifest(false)],
  ["1 MiB manifests, 3,000 anchors", bigManifest(true)],
];

function timeRuns(fn: () => void): { worst: number; median: number } {
  const ms: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    fn();
    ms.push(performance.now() - t0);
  }
  ms.sort((a, b) => a - b);
  return { worst: ms[ms.length - 1] ?? 0, median: ms[Math.floor(ms.length / 2)] ?? 0 };
}

function outcome(fn: () => void): string {
  try {
    fn();
    return "accepted";
  } catch (err) {
    const m = err instanceof Error ? err.message : String(err);
    return m.includes("alias bomb") ? "refused (bomb)" : m.includes("recursive") ? "refused (recursive)" : `error: ${m.slice(0, 40)}`;
  }
}

console.log(`yaml guard, ${RUNS} runs each; ${cpus().length} CPUs, load ${loadavg()[0]?.toFixed(2)}; Node ${process.version}\n`);
console.log("| input | bytes | guard | worst ms | median ms | of which parsing, median ms | yaml toJS (maxAliasCount 100) |");
console.log("|---|---:|---|---:|---:|---:|---|");
for (const [name, text] of inputs) {
  const guard = () => checkYamlAliases(text, "bench.yaml");
  const result = outcome(guard);
  const { worst, median } = timeRuns(() => {
    outcome(guard);
  });
  const parse = text.includes("&") ? timeRuns(() => void parseAllDocuments(text)).median : 0;
  const lib = outcome(() => {
    for (const d of parseAllDocuments(text)) d.toJS();
  });
  const libShown = lib.startsWith("error: Excessive alias count") ? "refused (alias count)" : lib;
  console.log(`| ${name} | ${text.length.toLocaleString("en")} | ${result} | ${worst.toFixed(1)} | ${median.toFixed(1)} | ${parse.toFixed(1)} | ${libShown} |`);
}

/**
 * Benchmark: one image policy over 100,000 tags — semver `>=1.0.0 <3.0.0` with a filterTags
 * pattern and extract (`^v(?P<version>…)-alpine$` → `$version`), the shape of a busy ECR
 * repository. Times selectTag (first, cold run and the median of warm runs), explainSelection,
 * and `slipway policy eval` end to end with the tags on stdin. Goal: under 200 ms. Prints a
 * markdown table.
 *
 * Usage: node bench/policy-eval.ts [--tags 100000] [--runs 7]
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import type { ImagePolicy } from "../core/policy/image-policy.ts";
import { explainSelection, selectTag } from "../core/policy/select-tag.ts";

const { values } = parseArgs({ options: { tags: { type: "string", default: "100000" }, runs: { type: "string", default: "7" } } });
const COUNT = Number(values.tags);
const RUNS = Number(values.runs);
const BIN = fileURLToPath(new URL("../cli/bin.ts", import.meta.url));

const policy: ImagePolicy = {
  namespace: "flux-system",
  name: "account",
  imageRepositoryRef: { name: "account" },
  choice: { kind: "semver", range: ">=1.0.0 <3.0.0" },
  filterTags: { pattern: "^v(?P<version>[0-9]+\\.[0-9]+\\.[0-9]+(?:-rc\\.[0-9]+)?)-alpine$", extract: "$version" },
};

/** A deterministic mix: 60 % `vX.Y.Z[-rc.N]-alpine`, 20 % `X.Y.Z`, 20 % `main-<sha>-<timestamp>`. */
function makeTags(n: number): string[] {
  const tags: string[] = [];
  let seed = 42;
  const rnd = (m: number): number => {
    // mulberry32: small, deterministic, well mixed
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) % m;
  };
  for (let i = 0; i < n; i++) {
    const kind = i % 5;
    const v = `${rnd(4)}.${rnd(30)}.${rnd(100)}`;
    if (kind < 3) tags.push(`v${v}${rnd(4) === 0 ? `-rc.${rnd(9)}` : ""}-alpine`);
    else if (kind === 3) tags.push(v);
    else tags.push(`main-${rnd(0xfffffff).toString(16).padStart(7, "0")}-${20210608000000 + i}`);
  }
  return tags;
}

/** Times `fn`: wall ms and this process's CPU ms (user + system), which load on a shared machine inflates less. */
function timed(fn: () => unknown): { wall: number; cpu: number } {
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  fn();
  const wall = performance.now() - start;
  const cpu = process.cpuUsage(cpu0);
  return { wall, cpu: (cpu.user + cpu.system) / 1000 };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
}

const tags = makeTags(COUNT);
const rows: string[][] = [];

let winner = "";
const cold = timed(() => (winner = selectTag(policy, tags)));
rows.push(["selectTag, first (cold) run", `${COUNT}`, cold.wall.toFixed(1), "-", cold.cpu.toFixed(1), winner]);

const warm = Array.from({ length: RUNS }, () => timed(() => selectTag(policy, tags)));
rows.push(["selectTag, warm", `${COUNT}`, median(warm.map((r) => r.wall)).toFixed(1), Math.max(...warm.map((r) => r.wall)).toFixed(1), median(warm.map((r) => r.cpu)).toFixed(1), winner]);

const explain = Array.from({ length: RUNS }, () => timed(() => explainSelection(policy, tags)));
rows.push(["explainSelection, warm", `${COUNT}`, median(explain.map((r) => r.wall)).toFixed(1), Math.max(...explain.map((r) => r.wall)).toFixed(1), median(explain.map((r) => r.cpu)).toFixed(1), explainSelection(policy, tags).selected ?? "-"]);

const dir = mkdtempSync(path.join(tmpdir(), "slipway-bench-policy-"));
try {
  const file = path.join(dir, "policy.yaml");
  writeFileSync(
    file,
    `apiVersion: image.toolkit.fluxcd.io/v1beta2
kind: ImagePolicy
metadata: {name: account, namespace: flux-system}
spec:
  imageRepositoryRef: {name: account}
  policy: {semver: {range: '${policy.choice.kind === "semver" ? policy.choice.range : ""}'}}
  filterTags: {pattern: '${policy.filterTags?.pattern ?? ""}', extract: '${policy.filterTags?.extract ?? ""}'}
`,
  );
  const input = tags.join("\n") + "\n";
  const cli: number[] = [];
  let printed = "";
  for (let r = 0; r < Math.min(RUNS, 5); r++) {
    const start = performance.now();
    const out = spawnSync(process.execPath, [BIN, "policy", "eval", file], { input, encoding: "utf8" });
    cli.push(performance.now() - start);
    if (out.status !== 0) throw new Error(`slipway policy eval failed: ${out.stderr}`);
    printed = out.stdout.trim();
  }
  rows.push(["`slipway policy eval` (child process, Node start included)", `${COUNT}`, median(cli).toFixed(1), Math.max(...cli).toFixed(1), "-", printed]);
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const [load1 = 0] = loadavg();
console.log(`\npolicy-eval benchmark: ${COUNT} tags, semver with filterTags + extract; ${cpus().length} CPUs, load average ${load1.toFixed(1)} (goal: < 200 ms)\n`);
console.log("| case | tags | median wall ms | max wall ms | median CPU ms | selected |");
console.log("|---|---:|---:|---:|---:|---|");
for (const row of rows) console.log(`| ${row.join(" | ")} |`);

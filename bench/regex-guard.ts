/**
 * Benchmark: the worst case of filterTags matching on hostile input. For patterns that take a
 * backtracking engine exponential time (`^(a+)+$`, `^(a{1,30}){1,30}$`, `(?i)` alternations),
 * compiles each with compileTagFilter (re2js, linear time) and matches inputs of growing length
 * that almost match; prints the slowest of R runs (after one warm-up run) per size and the time per input character, which
 * stays flat when matching is linear. Prints a markdown table.
 *
 * Usage: node bench/regex-guard.ts [--runs 5]
 */
import { parseArgs } from "node:util";
import { compileTagFilter } from "../core/policy/tag-filter.ts";
import { hostilePatterns } from "../test/core/policy/hostile-patterns.ts";

const { values } = parseArgs({ options: { runs: { type: "string", default: "5" } } });
const RUNS = Number(values.runs);
console.log("| pattern | input chars | worst ms | µs per char |\n|---|---:|---:|---:|");
for (const [pattern, unit] of hostilePatterns) {
  const f = compileTagFilter(pattern);
  for (const n of [32, 1024, 32768]) {
    const input = unit.repeat(Math.ceil(n / unit.length)).slice(0, n) + "!";
    f.apply(input); // warm-up: the first run includes compiling the matcher's code
    let worst = 0;
    for (let r = 0; r < RUNS; r++) {
      const t = performance.now();
      f.apply(input);
      worst = Math.max(worst, performance.now() - t);
    }
    console.log(`| \`${pattern}\` | ${input.length} | ${worst.toFixed(2)} | ${((worst * 1000) / input.length).toFixed(2)} |`);
  }
}

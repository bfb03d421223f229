/**
 * `npm run bench -- [NAME…]`: runs the benchmarks in bench/ (all of them, or bench/NAME.ts), each
 * printing a markdown table. The local infrastructure is started first when it is not up (the
 * agent and CI benchmarks use it) and stopped afterwards if this run started it.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
const all = readdirSync(path.join(root, "bench"))
  .filter((f) => f.endsWith(".ts"))
  .map((f) => f.slice(0, -3))
  .sort();
const names = process.argv.slice(2).length > 0 ? process.argv.slice(2) : all;
for (const n of names) {
  if (!all.includes(n)) {
    console.error(`✗ bench ${n}: no bench/${n}.ts (have: ${all.join(", ")})`);
    process.exit(2);
  }
}

const testenv = (...args: string[]): number => spawnSync(process.execPath, ["test/env/cli.ts", ...args], { cwd: root, stdio: "inherit" }).status ?? 1;
let started = false;
if (!(existsSync(path.join(root, ".testenv/env")) && testenv("status", "--quiet") === 0)) {
  if (testenv("up") !== 0) process.exit(1);
  started = true;
}
let failed = 0;
for (const n of names) {
  console.log(`\n## ${n}\n`);
  const r = spawnSync(process.execPath, [path.join("bench", `${n}.ts`)], { cwd: root, stdio: "inherit" });
  if (r.status !== 0) {
    console.error(`✗ bench ${n} exited with ${r.status}`);
    failed++;
  }
}
if (started) testenv("down");
process.exit(failed > 0 ? 1 : 0);

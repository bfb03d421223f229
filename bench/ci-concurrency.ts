/**
 * Benchmark: N CI pipelines (default 20) finishing at the same moment, each for a different image,
 * all bumping one manifest repository on the local git HTTP server (`npm run testenv -- up`).
 * Every pipeline is a `slipway ci` child process (builder none: the image is already in the local
 * registry and gets its timestamp tag). Reports how many landed a commit, p50/p95 wall time per
 * pipeline, and how many push races were lost and retried. Prints a markdown table.
 *
 * Usage: node bench/ci-concurrency.ts [--pipelines 20] [--max-attempts 30]
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { loadTestEnv, uniqueName } from "../test/env/harness.ts";
import { pushSampleImage, shopFiles } from "../test/action/e2e/shop-fixture.ts";

const { values } = parseArgs({ options: { pipelines: { type: "string", default: "20" }, "max-attempts": { type: "string", default: "30" } } });
const n = Number(values.pipelines);
const env = loadTestEnv();
if (!env) {
  console.error("the test environment is not up: run `npm run testenv -- up`");
  process.exit(1);
}
const root = path.resolve(import.meta.dirname, "..");
const name = uniqueName("bench-conc");
const bare = path.join(env.gitRoot, `${name}.git`);
const prefix = `${env.registry}/${name}`;
const services = Array.from({ length: n }, (_, i) => `svc-${String(i).padStart(2, "0")}`);
const git = (...args: string[]): string => {
  const r = spawnSync("git", args, { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`git ${args[0]}: ${r.stderr}`);
  return r.stdout.trim();
};

const work = mkdtempSync(path.join(tmpdir(), "slipway-bench-conc-"));
try {
  const seed = path.join(work, "seed");
  for (const [file, content] of Object.entries(shopFiles({ imagePrefix: prefix, services }))) {
    mkdirSync(path.dirname(path.join(seed, file)), { recursive: true });
    writeFileSync(path.join(seed, file), content);
  }
  git("init", "-q", "--bare", "-b", "main", bare);
  git("-C", seed, "init", "-q", "-b", "main");
  git("-C", seed, "add", "-A");
  git("-C", seed, "-c", "user.name=bench", "-c", "user.email=bench@example.invalid", "commit", "-q", "-m", "seed");
  git("-C", seed, "push", "-q", bare, "HEAD:refs/heads/main");
  await Promise.all(services.map((s) => pushSampleImage(env.registry, `${name}/${s}`, "build")));

  const url = `${env.gitHttpAuthUrl}/${name}.git`;
  const runOne = (svc: string): Promise<{ code: number; ms: number; races: number; out: string }> =>
    new Promise((resolve) => {
      const t0 = performance.now();
      const c = spawn(
        process.execPath,
        [path.join(root, "cli/bin.ts"), "ci", "--image", `${prefix}/${svc}:build`, "--builder", "none", "--manifest-repo", url, "--update-path", "clusters/eks", "--max-attempts", values["max-attempts"] ?? "30"],
        { env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", SLIPWAY_GIT_USERNAME: env.gitHttpUser, SLIPWAY_GIT_PASSWORD: env.gitHttpPassword }, stdio: ["ignore", "pipe", "pipe"] },
      );
      let out = "";
      c.stdout.on("data", (b: Buffer) => (out += b.toString()));
      c.stderr.on("data", (b: Buffer) => (out += b.toString()));
      c.on("close", (code) => resolve({ code: code ?? 1, ms: performance.now() - t0, races: (out.match(/lost a race/g) ?? []).length, out }));
    });
  const t0 = performance.now();
  const results = await Promise.all(services.map(runOne));
  const wall = performance.now() - t0;

  const commits = Number(git("--git-dir", bare, "rev-list", "--count", "main")) - 1;
  let bumped = 0;
  for (const s of services) if (!git("--git-dir", bare, "show", `main:clusters/eks/shop/${s}.yaml`).includes(":20200101000000 #")) bumped++;
  const times = results.map((r) => r.ms).sort((a, b) => a - b);
  const pct = (p: number): number => times[Math.min(times.length - 1, Math.ceil((p / 100) * times.length) - 1)] ?? NaN;
  const races = results.map((r) => r.races);
  const s = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
  for (const r of results) if (r.code !== 0) console.error(r.out.split("\n").filter((l) => l.startsWith("✗")).join("\n"));
  console.log(`\n${n} concurrent \`slipway ci\` pipelines, one manifest repository (git over HTTP), Node ${process.version}, ${spawnSync("nproc", { encoding: "utf8" }).stdout.trim()} CPUs\n`);
  console.log("| metric | value |\n|---|---|");
  console.log(`| pipelines that exited 0 | ${results.filter((r) => r.code === 0).length}/${n} |`);
  console.log(`| commits on the branch | ${commits}/${n} |`);
  console.log(`| markers bumped | ${bumped}/${n} |`);
  console.log(`| pipeline time p50 | ${s(pct(50))} |`);
  console.log(`| pipeline time p95 | ${s(pct(95))} |`);
  console.log(`| pipeline time max | ${s(times[times.length - 1] ?? NaN)} |`);
  console.log(`| wall time, all ${n} | ${s(wall)} |`);
  console.log(`| push races lost and retried (total) | ${races.reduce((a, b) => a + b, 0)} |`);
  console.log(`| retries per pipeline p50 / max | ${[...races].sort((a, b) => a - b)[Math.floor(n / 2)]} / ${Math.max(...races)} |`);
  console.log(`| pipelines that pushed first time | ${races.filter((r) => r === 0).length}/${n} |`);
} finally {
  rmSync(work, { recursive: true, force: true });
  rmSync(bare, { recursive: true, force: true });
}

/**
 * Benchmark: how the agent keeps up with a manifest repository over git HTTP (the test
 * environment's server). A repository with a long history (default 400 commits over 300 YAML
 * files plus a 2 MiB blob rewritten every 40 commits, so history is heavy) gains one commit per
 * round; each strategy picks up the new commit:
 *
 * - agent (ours): a persistent bare repository, `git fetch --depth 1` of the tracked branch only
 * - fresh shallow clone per round (what a controller without a cache does)
 * - persistent full clone, `git fetch` (every commit of every branch)
 *
 * Prints a markdown table: first fetch, median incremental fetch, and the cache's disk size.
 * Needs `npm run testenv -- up`. Usage: node bench/agent-source-fetch.ts [--commits 400] [--rounds 5]
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { randomBytes } from "node:crypto";
import { loadTestEnv } from "../test/env/harness.ts";
import { createGitSource } from "../agent/source/git-source.ts";

const { values } = parseArgs({ options: { commits: { type: "string", default: "400" }, rounds: { type: "string", default: "5" } } });
const COMMITS = Number(values.commits);
const ROUNDS = Number(values.rounds);
const env = loadTestEnv();
if (!env) {
  console.error("the test environment is not up: run `npm run testenv -- up`");
  process.exit(1);
}
const git = (args: string[], cwd?: string): string =>
  execFileSync("git", ["-c", "user.name=bench", "-c", "user.email=bench@slipway.invalid", ...args], { cwd, encoding: "utf8", maxBuffer: 1 << 28 });
const du = (dir: string): number => Number(execFileSync("du", ["-sk", dir], { encoding: "utf8" }).split("\t")[0]) * 1024;
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const ms = (start: bigint): number => Number(process.hrtime.bigint() - start) / 1e6;

// The repository: history first, in one work tree, pushed once.
const name = `bench-fetch-${randomBytes(3).toString("hex")}`;
const bare = path.join(env.gitRoot, `${name}.git`);
const work = mkdtempSync(path.join(tmpdir(), "slipway-bench-work-"));
git(["init", "-q", "--bare", "-b", "eks", bare]);
git(["init", "-q", "-b", "eks", work]);
mkdirSync(path.join(work, "clusters/eks/shop"), { recursive: true });
const file = (i: number, v: number): string =>
  `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: svc-${i}\n  namespace: shop\nspec:\n  replicas: 1\n  template:\n    spec:\n      containers:\n      - name: app\n        image: registry/shop/svc-${i}:${20210608000000 + v}\n`;
for (let i = 0; i < 300; i++) writeFileSync(path.join(work, `clusters/eks/shop/svc-${i}.yaml`), file(i, 0));
for (let c = 0; c < COMMITS; c++) {
  writeFileSync(path.join(work, `clusters/eks/shop/svc-${c % 300}.yaml`), file(c % 300, c + 1));
  if (c % 40 === 0) writeFileSync(path.join(work, "blob.bin"), randomBytes(2 << 20));
  git(["add", "-A"], work);
  git(["commit", "-q", "-m", `bump ${c}`], work);
}
git(["push", "-q", bare, "HEAD:refs/heads/eks"], work);
const url = `${env.gitHttpUrl}/${name}.git`;
const newCommit = (round: number): void => {
  writeFileSync(path.join(work, "clusters/eks/shop/svc-0.yaml"), file(0, 100000 + round));
  git(["commit", "-q", "-am", `round ${round}`], work);
  git(["push", "-q", bare, "HEAD:refs/heads/eks"], work);
};

interface Row {
  strategy: string;
  first: number;
  incremental: number;
  disk: number;
}
const rows: Row[] = [];

// Ours.
{
  const cache = mkdtempSync(path.join(tmpdir(), "slipway-bench-cache-"));
  const src = createGitSource({ source: { name: "m", url, ref: { branch: "eks" }, intervalMs: 60_000, timeoutMs: 120_000, provider: "generic" }, cacheDir: cache });
  let t = process.hrtime.bigint();
  await src.fetch({ kind: "none" });
  const first = ms(t);
  const inc: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    newCommit(r);
    t = process.hrtime.bigint();
    await src.fetch({ kind: "none" });
    inc.push(ms(t));
  }
  rows.push({ strategy: "agent: bare repo, `fetch --depth 1` of the branch", first, incremental: median(inc), disk: du(cache) });
  rmSync(cache, { recursive: true, force: true });
}
// Fresh shallow clone every round.
{
  const inc: number[] = [];
  let first = 0;
  let disk = 0;
  for (let r = 0; r <= ROUNDS; r++) {
    if (r > 0) newCommit(ROUNDS + r);
    const dir = mkdtempSync(path.join(tmpdir(), "slipway-bench-clone-"));
    const t = process.hrtime.bigint();
    git(["clone", "-q", "--depth", "1", "--branch", "eks", "--single-branch", url, path.join(dir, "c")]);
    if (r === 0) first = ms(t);
    else inc.push(ms(t));
    disk = du(dir);
    rmSync(dir, { recursive: true, force: true });
  }
  rows.push({ strategy: "fresh `clone --depth 1` per round", first, incremental: median(inc), disk });
}
// Persistent full clone.
{
  const dir = mkdtempSync(path.join(tmpdir(), "slipway-bench-full-"));
  let t = process.hrtime.bigint();
  git(["clone", "-q", "--bare", url, path.join(dir, "c.git")]);
  const first = ms(t);
  const inc: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    newCommit(2 * ROUNDS + r + 1);
    t = process.hrtime.bigint();
    git(["--git-dir", path.join(dir, "c.git"), "fetch", "-q", "origin", "+refs/heads/*:refs/heads/*"]);
    inc.push(ms(t));
  }
  rows.push({ strategy: "full clone, `git fetch`", first, incremental: median(inc), disk: du(dir) });
  rmSync(dir, { recursive: true, force: true });
}
rmSync(work, { recursive: true, force: true });
rmSync(bare, { recursive: true, force: true });

console.log(`\nSource fetch, ${COMMITS} commits of history (300 YAML files, a 2 MiB blob rewritten every 40 commits), ${ROUNDS} rounds of one new commit, git over HTTP on loopback\n`);
console.log("| strategy | first fetch | new commit (median) | disk |");
console.log("|---|---:|---:|---:|");
for (const r of rows) console.log(`| ${r.strategy} | ${r.first.toFixed(0)} ms | ${r.incremental.toFixed(0)} ms | ${(r.disk / 1048576).toFixed(1)} MiB |`);

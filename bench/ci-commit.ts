/**
 * Benchmark: image pushed → manifest commit pushed, on a big manifest repository served by the
 * local git HTTP server (`npm run testenv -- up`): 10,000 YAML files (100 directories × 100
 * Deployments under clusters/eks, a handful with `$imagepolicy` markers) and 5,000 commits of
 * history, built with `git fast-import`. Times, each the median of --runs:
 *   - the CI step's manifest phase (depth-1 clone without checkout → `git grep` for markers and
 *     Flux objects → check out those files only → bump → commit → push), with a narrow update
 *     path and with the whole tree;
 *   - `slipway ci` end to end as a child process (builder none: retag in the local registry, Node
 *     start included);
 *   - a plain full `git clone` of the same repository, for comparison.
 * Goal: under 3 s for the manifest commit. Prints a markdown table.
 *
 * Usage: node bench/ci-commit.ts [--files 10000] [--commits 5000] [--runs 3]
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { loadTestEnv, uniqueName } from "../test/env/harness.ts";
import { createLogger } from "../core/log.ts";
import { createGitClient } from "../core/git/git-client.ts";
import { registryFor } from "../action/registry/registry-for.ts";
import { updateManifests } from "../action/update/update-manifests.ts";
import { pushSampleImage } from "../test/action/e2e/shop-fixture.ts";

const { values } = parseArgs({ options: { files: { type: "string", default: "10000" }, commits: { type: "string", default: "5000" }, runs: { type: "string", default: "3" } } });
const files = Number(values.files);
const commits = Number(values.commits);
const runs = Number(values.runs);
const env = loadTestEnv();
if (!env) {
  console.error("the test environment is not up: run `npm run testenv -- up`");
  process.exit(1);
}
const root = path.resolve(import.meta.dirname, "..");
const name = uniqueName("bench-ci");
const bare = path.join(env.gitRoot, `${name}.git`);
const prefix = `${env.registry}/${name}`;
const services = ["account", "cart", "order", "payment", "product", "bff", "apigateway"];

function deployment(app: string, image: string, marker?: string): string {
  return `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ${app}\n  namespace: apps\nspec:\n  replicas: 1\n  selector:\n    matchLabels:\n      app: ${app}\n  template:\n    metadata:\n      labels:\n        app: ${app}\n    spec:\n      containers:\n      - name: ${app}\n        image: ${image}${marker ? ` # {"$imagepolicy": "${marker}"}` : ""}\n`;
}

/** Writes the repository with git fast-import: one commit with every file, then small edits. */
function buildRepo(): void {
  spawnSync("git", ["init", "-q", "--bare", "-b", "main", bare], { stdio: "inherit" });
  const chunks: string[] = [];
  const blob = (content: string): string => `data ${Buffer.byteLength(content)}\n${content}\n`;
  const paths: string[] = [];
  let t = 1_600_000_000;
  const commit = (msg: string, ops: string[]): void => {
    chunks.push(`commit refs/heads/main\ncommitter Bench <bench@example.invalid> ${t++} +0000\n${blob(msg)}${ops.join("")}`);
  };
  const ops: string[] = [];
  for (let i = 0; i < files; i++) {
    const dir = `clusters/eks/team-${String(Math.floor(i / 100)).padStart(2, "0")}`;
    const app = `app-${String(i).padStart(5, "0")}`;
    const svc = i < services.length ? services[i] : undefined;
    const p = svc ? `clusters/eks/shop/${svc}.yaml` : `${dir}/${app}.yaml`;
    paths.push(p);
    ops.push(`M 100644 inline ${p}\n${blob(svc ? deployment(svc, `${prefix}/${svc}:20200101000000`, `flux-system:${svc}`) : deployment(app, `registry.example/${app}:1.0.${i}`))}`);
  }
  commit("initial", ops);
  for (let c = 1; c < commits; c++) {
    const i = services.length + (c % (files - services.length));
    const p = paths[i] ?? "";
    commit(`edit ${c}`, [`M 100644 inline ${p}\n${blob(deployment(`app-${i}`, `registry.example/app-${i}:1.${c}.0`))}`]);
  }
  const r = spawnSync("git", ["--git-dir", bare, "fast-import", "--quiet"], { input: chunks.join(""), maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`fast-import failed: ${r.stderr.toString()}`);
  spawnSync("git", ["--git-dir", bare, "gc", "-q"]);
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const fmt = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;

async function timeIt(fn: () => Promise<void>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

function child(cmd: string, args: string[], extraEnv: Record<string, string> = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    const c = spawn(cmd, args, { stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, ...extraEnv } });
    let err = "";
    c.stderr.on("data", (b: Buffer) => (err += b.toString()));
    c.on("close", (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} ${args[0]} exited ${code}: ${err.slice(-500)}`))));
  });
}

const work = mkdtempSync(path.join(tmpdir(), "slipway-bench-ci-"));
try {
  const tBuild = await timeIt(async () => buildRepo());
  const count = spawnSync("git", ["--git-dir", bare, "rev-list", "--count", "main"], { encoding: "utf8" }).stdout.trim();
  const tree = spawnSync("git", ["--git-dir", bare, "ls-tree", "-r", "--name-only", "main"], { encoding: "utf8", maxBuffer: 1 << 28 }).stdout.trim().split("\n").length;
  const url = `${env.gitHttpAuthUrl}/${name}.git`;
  const log = createLogger({ level: "error" });
  const git = await createGitClient({ auth: { kind: "basic", username: env.gitHttpUser, password: env.gitHttpPassword } });
  const rows: [string, number[]][] = [];
  let tag = 20250101000000;

  const phase = async (label: string, updatePath: string | undefined): Promise<void> => {
    const times: number[] = [];
    for (let r = 0; r < runs; r++) {
      const svc = services[r % services.length] ?? "account";
      const image = `${prefix}/${svc}`;
      const t = String(tag++);
      await pushSampleImage(env.registry, image.slice(env.registry.length + 1), t);
      const { registry, repository } = registryFor(image);
      times.push(
        await timeIt(async () => {
          const res = await updateManifests({ git, url, updatePath, pushed: { image, tag: t }, listTags: (s) => registry.listTags(repository, s), log, workRoot: work });
          if (!res.commit) throw new Error("no commit");
        }),
      );
    }
    rows.push([label, times]);
  };
  await phase("manifest commit pushed, update path clusters/eks/shop (7 files)", "clusters/eks/shop");
  await phase("manifest commit pushed, update path clusters/eks (all 10,000 files)", "clusters/eks");

  const cli: number[] = [];
  for (let r = 0; r < runs; r++) {
    const svc = services[(r + 3) % services.length] ?? "cart";
    await pushSampleImage(env.registry, `${name}/${svc}`, "build");
    cli.push(
      await timeIt(() =>
        child(process.execPath, [path.join(root, "cli/bin.ts"), "ci", "--image", `${prefix}/${svc}:build`, "--builder", "none", "--tag-format", String(tag++), "--manifest-repo", url, "--update-path", "clusters/eks/shop"], {
          SLIPWAY_GIT_USERNAME: env.gitHttpUser,
          SLIPWAY_GIT_PASSWORD: env.gitHttpPassword,
        }),
      ),
    );
  }
  rows.push(["`slipway ci` end to end (retag + manifest commit, Node start included)", cli]);

  const full: number[] = [];
  for (let r = 0; r < runs; r++) {
    const dir = path.join(work, `full-${r}`);
    full.push(await timeIt(() => child("git", ["-c", "credential.helper=", "clone", "-q", `${env.gitHttpUrl}/${name}.git`, dir])));
    rmSync(dir, { recursive: true, force: true });
  }
  rows.push(["plain `git clone` (full history, for comparison)", full]);
  await git.close();

  console.log(`\nRepository: ${tree.toLocaleString("en")} files, ${Number(count).toLocaleString("en")} commits (built in ${fmt(tBuild)}); ${runs} runs each; git ${spawnSync("git", ["--version"], { encoding: "utf8" }).stdout.trim().replace("git version ", "")}, Node ${process.version}\n`);
  console.log("| scenario | median | min | max |\n|---|---|---|---|");
  for (const [label, xs] of rows) console.log(`| ${label} | ${fmt(median(xs))} | ${fmt(Math.min(...xs))} | ${fmt(Math.max(...xs))} |`);
} finally {
  rmSync(work, { recursive: true, force: true });
  rmSync(bare, { recursive: true, force: true });
}

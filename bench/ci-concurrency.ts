/**
 * Benchmark: N CI pipelines (default 20) finishing at the same moment, each for a different image,
 * all bumping one manifest repository on the local git HTTP server (`npm run testenv -- up`).
 * Three rounds on fresh repositories:
 *   - processes, as shipped: every pipeline is a `slipway ci` child process of dist/cli.js built by
 *     scripts/build.ts (split into chunks, so that `ci` loads only its own modules; builder none:
 *     the image is already in the local registry and gets its timestamp tag). On a small machine
 *     the N Node starts compete for the CPUs, as N CI runners would not;
 *   - processes, one-file bundle: the same with the whole CLI in one file (every module parsed at
 *     start, the AWS SDK and the Kubernetes client included), the start-up before the split;
 *   - in-process: the same N manifest updates (clone → bump → commit → push, retry on a lost race)
 *     at once in this process, which isolates the git race handling.
 * Reports how many landed a commit, p50/p95 time per pipeline, how many push races were lost
 * and retried, and how many of those retries redid the bump by git plumbing alone (no checkout).
 * Prints a markdown table.
 *
 * Usage: node bench/ci-concurrency.ts [--pipelines 20] [--max-attempts 30]
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { build } from "esbuild";
import { run } from "../core/exec.ts";
import { loadTestEnv, uniqueName } from "../test/env/harness.ts";
import { pushSampleImage, shopFiles } from "../test/action/e2e/shop-fixture.ts";
import { createLogger } from "../core/log.ts";
import { createGitClient } from "../core/git/git-client.ts";
import { registryFor } from "../action/registry/registry-for.ts";
import { updateManifests } from "../action/update/update-manifests.ts";

const { values } = parseArgs({ options: { pipelines: { type: "string", default: "20" }, "max-attempts": { type: "string", default: "30" } } });
const n = Number(values.pipelines);
const maxAttempts = Number(values["max-attempts"]);
const env = loadTestEnv();
if (!env) {
  console.error("the test environment is not up: run `npm run testenv -- up`");
  process.exit(1);
}
const root = path.resolve(import.meta.dirname, "..");
const bundleDir = mkdtempSync(path.join(tmpdir(), "slipway-bench-bundle-"));
// The CLI as it ships (dist/cli.js and its chunks, by scripts/build.ts).
await run(process.execPath, [path.join(root, "scripts/build.ts"), "--outdir", path.join(bundleDir, "shipped")], { cwd: root });
const shippedCli = path.join(bundleDir, "shipped", "cli.js");
// The whole CLI in one file (esbuild, ESM, a createRequire banner for CommonJS deps).
const oneFileCli = path.join(bundleDir, "one-file", "cli.js");
await build({
  entryPoints: [path.join(root, "cli/bin.ts")],
  outfile: oneFileCli,
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node24",
  logLevel: "warning",
  banner: { js: "import { createRequire as __slipwayCreateRequire } from 'node:module';\nconst require = __slipwayCreateRequire(import.meta.url);" },
});
const services = Array.from({ length: n }, (_, i) => `svc-${String(i).padStart(2, "0")}`);
const git = (...args: string[]): string => {
  const r = spawnSync("git", args, { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`git ${args[0]}: ${r.stderr}`);
  return r.stdout.trim();
};

interface Pipeline {
  ok: boolean;
  ms: number;
  races: number;
  /** Retries that redid the bump without a checkout (`replayed`). */
  replayed: number;
  out: string;
}

/** A fresh manifest repository with one marker per service, and an image per service. */
async function setup(work: string): Promise<{ name: string; bare: string; prefix: string; url: string }> {
  const name = uniqueName("bench-conc");
  const bare = path.join(env!.gitRoot, `${name}.git`);
  const prefix = `${env!.registry}/${name}`;
  const seed = path.join(work, name);
  for (const [file, content] of Object.entries(shopFiles({ imagePrefix: prefix, services }))) {
    mkdirSync(path.dirname(path.join(seed, file)), { recursive: true });
    writeFileSync(path.join(seed, file), content);
  }
  git("init", "-q", "--bare", "-b", "main", bare);
  git("-C", seed, "init", "-q", "-b", "main");
  git("-C", seed, "add", "-A");
  git("-C", seed, "-c", "user.name=bench", "-c", "user.email=bench@example.invalid", "commit", "-q", "-m", "seed");
  git("-C", seed, "push", "-q", bare, "HEAD:refs/heads/main");
  await Promise.all(services.map((s) => pushSampleImage(env!.registry, `${name}/${s}`, "build")));
  return { name, bare, prefix, url: `${env!.gitHttpAuthUrl}/${name}.git` };
}

function runProcess(cli: string, prefix: string, url: string, svc: string): Promise<Pipeline> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const c = spawn(
      process.execPath,
      [cli, "ci", "--image", `${prefix}/${svc}:build`, "--builder", "none", "--manifest-repo", url, "--update-path", "clusters/eks", "--max-attempts", String(maxAttempts)],
      { env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", SLIPWAY_GIT_USERNAME: env!.gitHttpUser, SLIPWAY_GIT_PASSWORD: env!.gitHttpPassword }, stdio: ["ignore", "pipe", "pipe"] },
    );
    let out = "";
    c.stdout.on("data", (b: Buffer) => (out += b.toString()));
    c.stderr.on("data", (b: Buffer) => (out += b.toString()));
    c.on("close", (code) =>
      resolve({ ok: code === 0, ms: performance.now() - t0, races: (out.match(/lost a race/g) ?? []).length, replayed: Number(/\breplayed=(\d+)/.exec(out)?.[1] ?? 0), out }),
    );
  });
}

async function runInProcess(prefix: string, url: string): Promise<Pipeline[]> {
  const gitClient = await createGitClient({ auth: { kind: "basic", username: env!.gitHttpUser, password: env!.gitHttpPassword } });
  try {
    return await Promise.all(
      services.map(async (svc) => {
        let out = "";
        const log = createLogger({ level: "info", format: "text", write: (l) => (out += `${l}\n`) });
        const image = `${prefix}/${svc}`;
        const { registry, repository } = registryFor(image);
        const t0 = performance.now();
        try {
          const r = await updateManifests({ git: gitClient, url, updatePath: "clusters/eks", pushed: { image, tag: "20250101000000" }, listTags: (s) => registry.listTags(repository, s), log, maxAttempts });
          return { ok: Boolean(r.commit), ms: performance.now() - t0, races: r.attempts - 1, replayed: r.replayed, out };
        } catch (err) {
          return { ok: false, ms: performance.now() - t0, races: 0, replayed: 0, out: `${out}✗ ${String(err)}` };
        }
      }),
    );
  } finally {
    await gitClient.close();
  }
}

const work = mkdtempSync(path.join(tmpdir(), "slipway-bench-conc-"));
const rows: string[][] = [];
const cleanup: string[] = [];
try {
  const rounds = { shipped: "`slipway ci` processes (dist/cli.js as shipped)", "one-file": "`slipway ci` processes (one-file bundle)", "in-process": "manifest updates in one process" } as const;
  for (const mode of ["shipped", "one-file", "in-process"] as const) {
    const repo = await setup(work);
    cleanup.push(repo.bare);
    const t0 = performance.now();
    const cli = mode === "shipped" ? shippedCli : oneFileCli;
    const results = mode === "in-process" ? await runInProcess(repo.prefix, repo.url) : await Promise.all(services.map((s) => runProcess(cli, repo.prefix, repo.url, s)));
    const wall = performance.now() - t0;
    for (const r of results) if (!r.ok) console.error(r.out.split("\n").filter((l) => l.startsWith("✗")).join("\n"));
    const commits = Number(git("--git-dir", repo.bare, "rev-list", "--count", "main")) - 1;
    let bumped = 0;
    for (const s of services) if (!git("--git-dir", repo.bare, "show", `main:clusters/eks/shop/${s}.yaml`).includes(":20200101000000 #")) bumped++;
    const times = results.map((r) => r.ms).sort((a, b) => a - b);
    const pct = (p: number): number => times[Math.min(times.length - 1, Math.ceil((p / 100) * times.length) - 1)] ?? NaN;
    const races = results.map((r) => r.races).sort((a, b) => a - b);
    const sec = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
    rows.push([
      rounds[mode],
      `${results.filter((r) => r.ok).length}/${n}`,
      `${commits}/${n}`,
      `${bumped}/${n}`,
      sec(pct(50)),
      sec(pct(95)),
      sec(wall),
      String(races.reduce((a, b) => a + b, 0)),
      String(results.reduce((a, r) => a + r.replayed, 0)),
      `${races[Math.floor(n / 2)]} / ${races[races.length - 1]}`,
    ]);
  }
  const load = spawnSync("cat", ["/proc/loadavg"], { encoding: "utf8" }).stdout.split(" ").slice(0, 3).join(" ");
  console.log(`\n${n} concurrent pipelines, one manifest repository (git over HTTP on loopback), Node ${process.version}, ${spawnSync("nproc", { encoding: "utf8" }).stdout.trim()} CPUs shared by all of them, load average ${load} at the end\n`);
  console.log("| round | landed | commits | markers bumped | p50 | p95 | wall, all | races retried | by plumbing | retries p50 / max |");
  console.log("|---|---|---|---|---|---|---|---|---|---|");
  for (const r of rows) console.log(`| ${r.join(" | ")} |`);
} finally {
  rmSync(work, { recursive: true, force: true });
  rmSync(bundleDir, { recursive: true, force: true });
  for (const b of cleanup) rmSync(b, { recursive: true, force: true });
}

/**
 * Benchmark: the whole agent, as a process, on 1,000 objects from git (Namespaces, Deployments,
 * Services, ConfigMaps in 10 namespaces, a plain directory so the kustomization is generated):
 * `slipway agent --once` cold (everything created), then again with nothing changed (the
 * drift-correction run every interval), with the time of each and the process's peak RSS
 * (`/usr/bin/time -f %M`). Runs two builds of the CLI side by side: what `scripts/build.ts` ships
 * (code splitting: the agent loads only the chunks it uses) and a single-file bundle of the same
 * code, for comparison. Needs `npm run testenv -- up`.
 *
 * Usage: node bench/agent-runtime.ts [--objects 1000]
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { randomBytes } from "node:crypto";
import { build } from "esbuild";
import { loadTestEnv } from "../test/env/harness.ts";

const { values } = parseArgs({ options: { objects: { type: "string", default: "1000" } } });
const OBJECTS = Number(values.objects);
const env = loadTestEnv();
if (!env) {
  console.error("the test environment is not up: run `npm run testenv -- up`");
  process.exit(1);
}
const root = path.resolve(import.meta.dirname, "..");
const id = randomBytes(3).toString("hex");
const git = (args: string[], cwd?: string): string =>
  execFileSync("git", ["-c", "user.name=bench", "-c", "user.email=bench@slipway.invalid", ...args], { cwd, encoding: "utf8" });
const kubectl = (args: string[]): string => execFileSync("kubectl", ["--kubeconfig", env.kubeconfig, ...args], { encoding: "utf8" });

// Two builds of the CLI: the shipped one and a single file.
const split = mkdtempSync(path.join(tmpdir(), "slipway-bench-split-"));
execFileSync(process.execPath, [path.join(root, "scripts/build.ts"), "--outdir", split], { cwd: root, stdio: "ignore" });
const single = mkdtempSync(path.join(tmpdir(), "slipway-bench-single-"));
await build({
  bundle: true, platform: "node", format: "esm", target: "node24", outfile: path.join(single, "cli.js"), entryPoints: [path.join(root, "cli/bin.ts")],
  legalComments: "none", logLevel: "warning",
  banner: { js: "import { createRequire as __slipwayCreateRequire } from 'node:module';\nconst require = __slipwayCreateRequire(import.meta.url);" },
});

// The repository: 10 namespaces, the objects spread over them, one file per object.
const name = `bench-runtime-${id}`;
const bare = path.join(env.gitRoot, `${name}.git`);
const work = mkdtempSync(path.join(tmpdir(), "slipway-bench-runtime-"));
git(["init", "-q", "--bare", "-b", "main", bare]);
git(["init", "-q", "-b", "main", work]);
const namespaces = Array.from({ length: 10 }, (_, i) => `bench-${id}-n${i}`);
for (const ns of namespaces) {
  mkdirSync(path.join(work, "objects", ns), { recursive: true });
  writeFileSync(path.join(work, "objects", ns, "00-namespace.yaml"), `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${ns}\n`);
}
for (let i = 0; i < OBJECTS - namespaces.length; i++) {
  const ns = namespaces[i % namespaces.length] ?? "";
  const kind = i % 3;
  const n = `obj-${i}`;
  const text =
    kind === 0
      ? `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ${n}\n  namespace: ${ns}\nspec:\n  replicas: 1\n  selector:\n    matchLabels: {app: ${n}}\n  template:\n    metadata:\n      labels: {app: ${n}}\n    spec:\n      containers:\n      - name: app\n        image: registry.local/shop/${n}:20210608052721\n`
      : kind === 1
        ? `apiVersion: v1\nkind: Service\nmetadata:\n  name: ${n}\n  namespace: ${ns}\nspec:\n  selector: {app: ${n}}\n  ports:\n  - port: 80\n`
        : `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${n}\n  namespace: ${ns}\ndata:\n  k: v${i}\n`;
  writeFileSync(path.join(work, "objects", ns, `${n}.yaml`), text);
}
git(["add", "-A"], work);
git(["commit", "-q", "-m", "objects"], work);
git(["push", "-q", bare, "HEAD:refs/heads/main"], work);

interface Row {
  build: string;
  run: string;
  seconds: number;
  peakMiB: number;
  ok: boolean;
}
const rows: Row[] = [];
for (const [label, dir] of [
  ["as shipped: scripts/build.ts (chunks loaded on demand)", split],
  ["one single-file bundle", single],
] as const) {
  const agentNs = `bench-${id}-agent-${rows.length}`;
  kubectl(["create", "namespace", agentNs]);
  const config = path.join(mkdtempSync(path.join(tmpdir(), "slipway-bench-config-")), "config.yaml");
  writeFileSync(config, `namespace: ${agentNs}\nsources:\n  - { name: m, url: "${env.gitHttpUrl}/${name}.git", ref: { branch: main } }\nsyncs:\n  - { name: objects, sourceRef: m, path: objects, wait: false, timeout: 10m }\n`);
  const cache = mkdtempSync(path.join(tmpdir(), "slipway-bench-cache-"));
  for (const run of ["cold (1,000 created)", "no-op (nothing changed)"]) {
    const start = process.hrtime.bigint();
    const r = spawnSync("/usr/bin/time", ["-f", "%M", process.execPath, path.join(dir, "cli.js"), "agent", "--config", config, "--kubeconfig", env.kubeconfig, "--cache-dir", cache, "--once"], { encoding: "utf8", maxBuffer: 1 << 28 });
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    const peakKiB = Number(r.stderr.trim().split("\n").pop());
    rows.push({ build: label, run, seconds, peakMiB: peakKiB / 1024, ok: r.status === 0 });
    if (r.status !== 0) console.error(r.stderr.split("\n").slice(-5).join("\n"));
  }
  // The second build's cold run needs the objects gone: delete them (and the parent's namespace).
  for (const ns of namespaces) kubectl(["delete", "namespace", ns, "--ignore-not-found", "--wait=true", "--timeout=120s"]);
  kubectl(["delete", "namespace", agentNs, "--wait=false"]);
}
rmSync(work, { recursive: true, force: true });
rmSync(bare, { recursive: true, force: true });
rmSync(single, { recursive: true, force: true });
rmSync(split, { recursive: true, force: true });

console.log(`\nslipway agent --once on ${OBJECTS} objects from git (plain directory, generated kustomization, wait: false), local control plane\n`);
console.log("| CLI build | run | wall time | peak RSS | exit |");
console.log("|---|---|---:|---:|---|");
for (const r of rows) console.log(`| ${r.build} | ${r.run} | ${r.seconds.toFixed(1)} s | ${r.peakMiB.toFixed(0)} MiB | ${r.ok ? "0" : "failed"} |`);

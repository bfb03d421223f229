/**
 * Benchmark: setting image policy markers over a large manifest tree. Generates 10,000 YAML files
 * (100 directories × 100 files, small Deployments) of which 1,000 carry one `$imagepolicy` marker
 * each, for 7 policies, in a temporary directory; then times `updateMarkers` in-process (a run that
 * writes, a no-op re-run, a dry run) and `slipway bump` end to end as a child process (Node start
 * included), from source and, when `npm run build` has made it, from the shipped dist/cli.js.
 * Goal: under 1 s. Prints a markdown table.
 *
 * Usage: node bench/bump.ts [--files 10000] [--markers 1000] [--runs 5] [--bundle dist/cli.js]
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { parseImageRef, type ImageRef } from "../core/image-ref.ts";
import { updateMarkers } from "../core/markers/update-tree.ts";

const { values } = parseArgs({
  options: {
    files: { type: "string", default: "10000" },
    markers: { type: "string", default: "1000" },
    runs: { type: "string", default: "5" },
    bundle: { type: "string", default: fileURLToPath(new URL("../dist/cli.js", import.meta.url)) },
  },
});
const FILES = Number(values.files);
const MARKERS = Number(values.markers);
const RUNS = Number(values.runs);
const SERVICES = ["account", "apigateway", "bff", "cart", "order", "payment", "product"];
const ECR = "170247361816.dkr.ecr.ap-northeast-2.amazonaws.com/shop";
const BIN = fileURLToPath(new URL("../cli/bin.ts", import.meta.url));
const BUNDLE = values.bundle;

function deployment(i: number, marked: boolean, tag: string): string {
  const svc = SERVICES[i % SERVICES.length] ?? "account";
  const marker = marked ? ` # {"$imagepolicy": "flux-system:${svc}"}` : "";
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${svc}-${i}
  namespace: shop
  labels:
    app: ${svc}
spec:
  replicas: 1
  selector:
    matchLabels:
      app: ${svc}-${i}
  template:
    metadata:
      labels:
        app: ${svc}-${i}
    spec:
      containers:
      - name: ${svc}
        image: ${ECR}/${svc}:${tag}${marker}
        ports:
        - containerPort: ${8000 + (i % 100)}
        resources:
          limits: {cpu: 500m, memory: 512Mi}
`;
}

/** Writes the tree; every (FILES / MARKERS)-th file is marked. */
function generate(root: string): void {
  const every = Math.max(1, Math.floor(FILES / MARKERS));
  for (let i = 0; i < FILES; i++) {
    const dir = path.join(root, `app-${String(Math.floor(i / 100)).padStart(3, "0")}`);
    if (i % 100 === 0) mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, `deploy-${i}.yaml`), deployment(i, i % every === 0 && i / every < MARKERS, "20210608052721"));
  }
}

function imagesFor(tag: string): Map<string, ImageRef> {
  return new Map(SERVICES.map((s) => [`flux-system:${s}`, parseImageRef(`${ECR}/${s}:${tag}`)]));
}

/** Runs `fn`, returning wall and CPU (user + system) milliseconds of this process. */
async function timed<T>(fn: () => Promise<T>): Promise<{ wall: number; cpu: number; value: T }> {
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  const value = await fn();
  const wall = performance.now() - start;
  const cpu = process.cpuUsage(cpu0);
  return { wall, cpu: (cpu.user + cpu.system) / 1000, value };
}

/** Runs a child process to completion, returning wall ms and its output. */
function timedChild(args: string[]): { wall: number; cpu: number; status: number | null; stdout: string; stderr: string } {
  const start = performance.now();
  const out = spawnSync(args[0] ?? "", args.slice(1), { encoding: "utf8", maxBuffer: 64 << 20 });
  return { wall: performance.now() - start, cpu: Number.NaN, status: out.status, stdout: out.stdout, stderr: out.stderr };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
}

const rows: string[][] = [];
const base = mkdtempSync(path.join(tmpdir(), "slipway-bench-bump-"));
try {
  const t0 = performance.now();
  generate(base);
  const genMs = performance.now() - t0;

  // Each timed run moves every marker to a new tag, so every run really writes 1,000 values.
  const add = (name: string, changed: string, runs: { wall: number; cpu: number }[]): void => {
    const walls = runs.map((r) => r.wall);
    const cpu = median(runs.map((r) => r.cpu));
    rows.push([name, `${FILES}`, changed, median(walls).toFixed(0), Math.max(...walls).toFixed(0), Number.isNaN(cpu) ? "-" : cpu.toFixed(0)]);
  };
  const writes: { wall: number; cpu: number }[] = [];
  let changed = 0;
  for (let r = 0; r < RUNS; r++) {
    const run = await timed(() => updateMarkers({ root: base, images: imagesFor(`2021061209${String(r).padStart(4, "0")}`) }));
    writes.push(run);
    changed = run.value.changes.length;
  }
  add("updateMarkers, writing", `${changed}`, writes);

  const noops: { wall: number; cpu: number }[] = [];
  for (let r = 0; r < RUNS; r++) {
    const run = await timed(() => updateMarkers({ root: base, images: imagesFor(`2021061209${String(RUNS - 1).padStart(4, "0")}`) }));
    if (run.value.changes.length !== 0) throw new Error("no-op run changed values");
    noops.push(run);
  }
  add("updateMarkers, nothing to change", "0", noops);

  const dries: { wall: number; cpu: number }[] = [];
  for (let r = 0; r < RUNS; r++) dries.push(await timed(() => updateMarkers({ root: base, images: imagesFor("20991231235959"), dryRun: true })));
  add("updateMarkers, dry run", `${changed}`, dries);

  const cli: { wall: number; cpu: number }[] = [];
  let cliChanged = 0;
  for (let r = 0; r < RUNS; r++) {
    const sets = SERVICES.flatMap((s) => ["--set", `flux-system:${s}=${ECR}/${s}:2021061310${String(r).padStart(4, "0")}`]);
    const out = timedChild([process.execPath, BIN, "bump", "--path", base, ...sets]);
    if (out.status !== 0) throw new Error(`slipway bump failed: ${out.stderr}`);
    cliChanged = out.stdout.split("\n").filter(Boolean).length;
    cli.push(out);
  }
  add("`node cli/bin.ts bump` (child process, Node start included)", `${cliChanged}`, cli);

  // The shipped binary is the esbuild bundle (no TypeScript stripping, one file to load).
  if (existsSync(BUNDLE) && spawnSync(process.execPath, [BUNDLE, "version"]).status === 0) {
    const bundled: { wall: number; cpu: number }[] = [];
    for (let r = 0; r < RUNS; r++) {
      const sets = SERVICES.flatMap((s) => ["--set", `flux-system:${s}=${ECR}/${s}:2021061410${String(r).padStart(4, "0")}`]);
      const out = timedChild([process.execPath, BUNDLE, "bump", "--path", base, ...sets]);
      if (out.status !== 0) throw new Error(`dist/cli.js bump failed: ${out.stderr}`);
      bundled.push(out);
    }
    add("`node dist/cli.js bump` (the shipped bundle; child process)", `${cliChanged}`, bundled);
  }

  const startup: { wall: number; cpu: number }[] = [];
  for (let r = 0; r < RUNS; r++) startup.push(timedChild([process.execPath, BIN, "version"]));
  const walls = startup.map((r) => r.wall);
  rows.push(["`slipway version` (CLI start-up alone, for reference)", "-", "-", median(walls).toFixed(0), Math.max(...walls).toFixed(0), "-"]);

  const [load1 = 0] = loadavg();
  console.log(
    `\nbump benchmark: ${FILES} files, ${MARKERS} markers, ${RUNS} runs each, tree generated in ${genMs.toFixed(0)} ms; ` +
      `${cpus().length} CPUs, load average ${load1.toFixed(1)} (goal: < 1000 ms)\n`,
  );
  console.log("| case | files | values changed | median wall ms | max wall ms | median CPU ms (in-process) |");
  console.log("|---|---:|---:|---:|---:|---:|");
  for (const row of rows) console.log(`| ${row.join(" | ")} |`);
} finally {
  rmSync(base, { recursive: true, force: true });
}

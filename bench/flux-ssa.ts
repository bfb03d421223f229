/**
 * Benchmark: Slipway beside Flux's apply engine, on the same local API server, in one run.
 * Flux's side is fluxcd/pkg/ssa's ResourceManager (v0.76.2, the version kustomize-controller
 * v1.9.6 ships) driven by bench/flux-ssa/main.go with the controller's defaults (concurrency 4,
 * QPS 50, burst 300), because source-controller v1.9.6 cannot be built from the Go module proxy
 * here (see the README's Benchmarks section). The driver is built once into
 * `~/.cache/slipway/flux/flux-ssa/<stamp>/` (a hash of its go.mod, go.sum and main.go), like the
 * Go oracle of the tests; bench-only, never part of `npm test`.
 *
 * Every side gets namespaces of its own and the same 1,000 objects (bench/fixtures/
 * thousand-objects.ts), and then the same two changes: one ConfigMap, then the image tag of
 * every Deployment (a third of the objects). Per round:
 * - Slipway's engine in this process: `applySync` cold, then again with the applied state the
 *   daemon keeps (the no-op), with the requests it sent.
 * - Slipway's daemon: `slipway agent` as shipped (scripts/build.ts, the Deployment's
 *   `--max-semi-space-size=4`) following a git repository holding the objects, with a `slipway`
 *   receiver. Cold is process start → the first "Reconciliation finished" log line. Each change
 *   is a commit pushed to the repository; the clock starts when the push has returned, then the
 *   receiver is called, and stops at the log line of that revision: fetch, kustomize build,
 *   apply (only the objects whose body changed are dry-run and written), status written. Peak
 *   RSS is the process's VmHWM (/proc/PID/status) at the end of the round.
 * - Flux's engine: one process, `ApplyAllStaged` of the whole build four times (cold, the same
 *   build again, each change): what kustomize-controller does once source-controller has handed
 *   it the artifact and kustomize has built it; fetch, build and the webhook's hop are not in
 *   its figures, so its commit → applied is a lower bound. Peak RSS is its own ru_maxrss.
 * Rounds alternate which side goes first (Slipway, Flux, Slipway, …). Prints one markdown
 * table: medians and min–max over the rounds, the ratio and the goal.
 *
 * Usage: node bench/flux-ssa.ts [--objects 1000] [--rounds 4]
 */
import { createHash } from "node:crypto";
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { run } from "../core/exec.ts";
import { createLogger } from "../core/log.ts";
import { AppliedState } from "../agent/apply/applied-state.ts";
import { countersSince, createKubeClient, type RequestCounters } from "../agent/kube/kube-client.ts";
import type { KubeObject } from "../agent/kube/kube-object.ts";
import { applySync } from "../agent/sync/apply-sync.ts";
import { loadTestEnv, uniqueName } from "../test/env/harness.ts";
import { buildObjects } from "./fixtures/thousand-objects.ts";
import { buildCli, pokeReceiver, startDaemon } from "./fixtures/agent-daemon.ts";
import { createBenchRepo, type BenchRepo } from "./fixtures/bench-repo.ts";

const { values } = parseArgs({ options: { objects: { type: "string", default: "1000" }, rounds: { type: "string", default: "4" } } });
const total = Number(values.objects);
const rounds = Number(values.rounds);
const moduleDir = path.resolve(import.meta.dirname, "flux-ssa");

/** The driver binary for the current sources, built when missing. */
async function ensureDriver(): Promise<string> {
  const h = createHash("sha256");
  for (const f of ["go.mod", "go.sum", "main.go"]) h.update(f).update("\0").update(readFileSync(path.join(moduleDir, f))).update("\0");
  const dir = path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache"), "slipway", "flux", "flux-ssa", h.digest("hex").slice(0, 16));
  const bin = path.join(dir, "flux-ssa");
  if (existsSync(bin)) return bin;
  mkdirSync(dir, { recursive: true });
  const go = existsSync("/usr/local/go/bin/go") ? "/usr/local/go/bin/go" : "go";
  console.error(`building ${bin} (once; several minutes on 2 cores)`);
  await run(go, ["build", "-trimpath", "-o", `${bin}.tmp`, "."], { cwd: moduleDir, env: { ...process.env, CGO_ENABLED: "0", GOFLAGS: "-mod=mod" } });
  renameSync(`${bin}.tmp`, bin);
  return bin;
}

/** The three builds every side applies after the cold one: the same, one ConfigMap changed, every Deployment's tag changed. */
function builds(namespaces: string[]): { base: KubeObject[]; one: KubeObject[]; all: KubeObject[] } {
  const base = buildObjects(namespaces, total);
  const one = buildObjects(namespaces, total);
  const cm = one.find((o) => o.kind === "ConfigMap") as KubeObject & { data: Record<string, string> };
  cm.data["app.properties"] += "changed=1\n";
  const all = buildObjects(namespaces, total, { tag: "20260102000000" });
  const cm2 = all.find((o) => o.kind === "ConfigMap") as KubeObject & { data: Record<string, string> };
  cm2.data["app.properties"] += "changed=1\n";
  return { base, one, all };
}

/** One round of one side; times in ms, RSS in MiB. */
interface SideResult {
  coldMs: number;
  noopMs: number;
  coldRequests: number;
  noopRequests: number;
  /** Slipway: the daemon's process start → first reconcile finished. Flux: NaN (its engine alone is `coldMs`). */
  daemonColdMs: number;
  /** Slipway: receiver called → the daemon logged the revision. Flux: ApplyAllStaged of the changed build. */
  oneChangedMs: number;
  allChangedMs: number;
  peakRssMiB: number;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

const yamlOf = (objs: KubeObject[]): string => objs.map((o) => JSON.stringify(o)).join("\n---\n") + "\n";

async function main(): Promise<void> {
  const env = loadTestEnv();
  if (!env) throw new Error("the test environment is not up: run `npm run testenv -- up`");
  const driver = await ensureDriver();
  const kubectl = async (args: string[], input?: string): Promise<string> => (await run("kubectl", ["--kubeconfig", env.kubeconfig, ...args], { input })).stdout;
  const client = await createKubeClient({ kubeconfig: env.kubeconfig });
  const log = createLogger({ write: () => {} });
  const dir = mkdtempSync(path.join(os.tmpdir(), "bench-flux-"));
  const cliDir = path.join(dir, "cli");
  buildCli(cliDir);
  const created: string[] = [];
  const repos: BenchRepo[] = [];
  const namespaces = async (prefix: string, n = 10): Promise<string[]> => {
    const ns = Array.from({ length: n }, () => uniqueName(prefix));
    await kubectl(["apply", "-f", "-"], ns.map((x) => JSON.stringify({ apiVersion: "v1", kind: "Namespace", metadata: { name: x } })).join("\n"));
    created.push(...ns);
    return ns;
  };

  const fluxWrites: string[] = [];
  const flux = async (): Promise<SideResult> => {
    const b = builds(await namespaces("bench-f"));
    const files = (["base", "one", "all"] as const).map((k) => {
      const file = path.join(dir, `flux-${k}.jsonl`);
      writeFileSync(file, b[k].map((o) => JSON.stringify(o)).join("\n") + "\n");
      return file;
    });
    const out = await new Promise<string>((resolve, reject) => {
      const child = spawn(driver, ["-kubeconfig", env.kubeconfig, "-passes", [files[0], files[0], files[1], files[2]].join(",")], { stdio: ["ignore", "pipe", "inherit"] });
      let text = "";
      child.stdout.on("data", (c: Buffer) => (text += c.toString()));
      child.on("close", (code) => (code === 0 ? resolve(text) : reject(new Error(`flux-ssa exited with ${code}`))));
    });
    const r = JSON.parse(out.trim()) as { passes: { ms: number; requests: number; changed: number }[]; peakRssKiB: number };
    const [cold, noop, one, all] = r.passes;
    if (!cold || !noop || !one || !all) throw new Error(`flux-ssa: expected 4 passes, got ${out}`);
    // Both sides are given the same changes: one object, then every Deployment. (Its engine may
    // write a few more: a Deployment the controller wrote to in between is configured again.)
    const deployments = b.all.filter((o) => o.kind === "Deployment").length;
    if (one.changed < 1 || all.changed < deployments) throw new Error(`flux-ssa: the changes wrote ${one.changed} / ${all.changed} objects, expected 1 / ${deployments}`);
    fluxWrites.push(`${noop.changed} / ${one.changed} / ${all.changed}`);
    return { coldMs: cold.ms, noopMs: noop.ms, coldRequests: cold.requests, noopRequests: noop.requests, daemonColdMs: Number.NaN, oneChangedMs: one.ms, allChangedMs: all.ms, peakRssMiB: r.peakRssKiB / 1024 };
  };

  const slipwayEngine = async (): Promise<Pick<SideResult, "coldMs" | "noopMs" | "coldRequests" | "noopRequests">> => {
    const objects = buildObjects(await namespaces("bench-s"), total);
    const agentNs = (await namespaces("bench-p", 1))[0] as string;
    const state = new AppliedState();
    const pass = async (): Promise<{ ms: number; sent: RequestCounters }> => {
      const before = structuredClone(client.counters as RequestCounters);
      const start = performance.now();
      const o = await applySync({ client, sync: "bench", agentNamespace: agentNs, objects, prune: true, wait: false, force: false, allowEmpty: false, timeoutMs: 600_000, applied: state, signal: AbortSignal.timeout(900_000), log });
      if (!o.ok) throw new Error(`slipway: ${o.errors.slice(0, 3).map((e) => e.message).join("; ")}`);
      return { ms: performance.now() - start, sent: countersSince(before, client.counters as RequestCounters) };
    };
    const cold = await pass();
    const noop = await pass();
    return { coldMs: cold.ms, noopMs: noop.ms, coldRequests: cold.sent.total, noopRequests: noop.sent.total };
  };

  const slipwayDaemon = async (): Promise<Pick<SideResult, "daemonColdMs" | "oneChangedMs" | "allChangedMs" | "peakRssMiB">> => {
    const ns = await namespaces("bench-d");
    const agentNs = (await namespaces("bench-a", 1))[0] as string;
    const b = builds(ns);
    const name = uniqueName("bench-flux-repo");
    const repo = createBenchRepo(env, dir, name);
    repos.push(repo);
    const files = (objs: KubeObject[]): Record<string, string> => Object.fromEntries(ns.map((n) => [`objects/${n}.yaml`, yamlOf(objs.filter((o) => o.metadata.namespace === n))]));
    const first = repo.commit(files(b.base), "objects");
    const config = path.join(dir, `${name}.yaml`);
    writeFileSync(config, `namespace: ${agentNs}
listen: "127.0.0.1:0"
sources:
  - { name: m, url: "${repo.url}", ref: { branch: main }, interval: 1h }
syncs:
  - { name: objects, sourceRef: m, path: objects, wait: false, interval: 1h, timeout: 10m }
receivers:
  listen: "127.0.0.1:0"
  endpoints: [{ name: m, type: slipway, open: true }]
`);
    const daemon = startDaemon({ cliDir, config, kubeconfig: env.kubeconfig, cacheDir: path.join(dir, `${name}-cache`) });
    try {
      const coldAt = await daemon.finished(first, ["objects"]);
      const port = await daemon.receiversPort();
      // Let the Deployment controller annotate every Deployment, then one run at the same
      // revision confirms those writes, so that each change below is measured on a settled sync.
      for (let i = 0; i < 600; i++) {
        const list = await client.request<{ items: { metadata: { namespace?: string; annotations?: Record<string, string> } }[] }>({ method: "GET", path: "/apis/apps/v1/deployments", query: { labelSelector: "app" } });
        const ours = list.body.items.filter((d) => ns.includes(d.metadata.namespace ?? ""));
        if (ours.length > 0 && ours.every((d) => d.metadata.annotations?.["deployment.kubernetes.io/revision"])) break;
        await new Promise((r) => setTimeout(r, 500));
      }
      const settled = daemon.finished(first, ["objects"]);
      await pokeReceiver(port, "m", first);
      await settled;
      const change = async (objs: KubeObject[], message: string): Promise<number> => {
        const sha = repo.commit(files(objs), message);
        const t0 = performance.now();
        const done = daemon.finished(sha, ["objects"]);
        await pokeReceiver(port, "m", sha);
        return (await done) - t0;
      };
      const oneChangedMs = await change(b.one, "one ConfigMap");
      const allChangedMs = await change(b.all, "every Deployment's tag");
      return { daemonColdMs: coldAt - daemon.startedAt, oneChangedMs, allChangedMs, peakRssMiB: daemon.peakRssMiB() };
    } finally {
      daemon.stop();
    }
  };

  const slipway = async (): Promise<SideResult> => ({ ...(await slipwayEngine()), ...(await slipwayDaemon()) });

  const results: { flux: SideResult[]; slipway: SideResult[] } = { flux: [], slipway: [] };
  const order: string[] = [];
  try {
    for (let r = 0; r < rounds; r++) {
      const side = r % 2 === 0 ? "slipway" : "flux";
      order.push(side);
      console.error(`round ${r + 1}/${rounds}: ${side}`);
      if (side === "slipway") results.slipway.push(await slipway());
      else results.flux.push(await flux());
    }
  } finally {
    client.close();
    rmSync(dir, { recursive: true, force: true });
    for (const r of repos) r.dispose();
    await kubectl(["delete", "namespace", ...created, "--wait=false", "--ignore-not-found"]).catch(() => "");
  }
  const stat = (side: SideResult[], k: keyof SideResult) => {
    const xs = side.map((s) => s[k]).filter((x) => !Number.isNaN(x));
    return { med: xs.length ? median(xs) : Number.NaN, min: Math.min(...xs), max: Math.max(...xs) };
  };
  const sec = (ms: number): string => (Number.isNaN(ms) ? "—" : `${(ms / 1000).toFixed(2)} s`);
  const cell = (side: SideResult[], k: keyof SideResult, f: (x: number) => string): string => {
    const s = stat(side, k);
    if (Number.isNaN(s.med)) return "—";
    return side.length > 1 ? `${f(s.med)} (${f(s.min)}–${f(s.max)})` : f(s.med);
  };
  const count = (x: number): string => String(Math.round(x));
  const mib = (x: number): string => `${x.toFixed(0)} MiB`;
  const row = (what: string, ks: keyof SideResult, kf: keyof SideResult, f: (x: number) => string, goal: string, digits = 2): void => {
    const a = stat(results.slipway, ks).med;
    const b = stat(results.flux, kf).med;
    const ratio = Number.isNaN(a) || Number.isNaN(b) ? "—" : `${(a / b).toFixed(digits)}×`;
    console.log(`| ${what} | ${cell(results.slipway, ks, f)} | ${cell(results.flux, kf, f)} | ${ratio} | ${goal} |`);
  };
  console.log(`\nSlipway beside fluxcd/pkg/ssa v0.76.2 (kustomize-controller v1.9.6's engine): ${total} objects over 10 namespaces; ${rounds} rounds alternating ${order.join(", ")}; medians (min–max); Node ${process.version}, load ${os.loadavg()[0]?.toFixed(1)}\n`);
  console.log("| measurement | slipway | flux ssa | ratio | goal |");
  console.log("|---|---:|---:|---:|---|");
  row("cold apply (engine alone)", "coldMs", "coldMs", sec, "");
  row("cold apply, requests", "coldRequests", "coldRequests", count, "");
  row("cold: Slipway's daemon start → Ready (fetch, build, apply, status) / Flux's engine alone", "daemonColdMs", "coldMs", sec, "≤ 0.3× Flux");
  row("no-op reconcile (engine alone)", "noopMs", "noopMs", sec, "≤ 0.1× Flux", 3);
  row("no-op reconcile, requests", "noopRequests", "noopRequests", count, "O(kinds × namespaces)", 3);
  row("one ConfigMap changed: webhook → applied / Flux's re-apply of the build", "oneChangedMs", "oneChangedMs", sec, "≤ 1 s");
  row("every Deployment's tag changed: commit → applied / Flux's re-apply of the build", "allChangedMs", "allChangedMs", sec, "≤ 0.2× Flux");
  row("peak RSS: Slipway's daemon (VmHWM) / the Flux engine process (ru_maxrss)", "peakRssMiB", "peakRssMiB", mib, "≤ 100 MiB (Slipway)");
  console.log(`\nobjects Flux's engine wrote in its no-op / one-changed / all-changed passes, per round: ${fluxWrites.join(", ")}`);
}

await main();

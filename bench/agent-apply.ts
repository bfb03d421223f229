/**
 * Benchmark: the agent's apply path against `kubectl apply --server-side`, on the local control
 * plane (`npm run testenv -- up`). 1,000 objects (Deployments, Services, ConfigMaps across 10
 * namespaces): a cold apply, a no-op re-apply, pruning 500 of them, the agent side's peak RSS,
 * and the floor — the same number of raw no-op apply PATCHes, one at a time and 16 at a time.
 * Each side applies to namespaces of its own. Prints a markdown table.
 *
 * The agent side runs in a child process from an esbuild bundle of this file, as the agent ships
 * (dist/cli.js): running .ts directly loads Node's type stripper, which alone costs ~17 MiB of RSS.
 * It runs twice: with Node's defaults, and with a 4 MiB young-generation semi-space (the flag the
 * agent's Deployment should set), each on namespaces of its own.
 *
 * Usage: node bench/agent-apply.ts [--objects 1000] [--concurrency 4] [--quick]
 * (`--quick`: the agent side once, without kubectl's side and the second memory run.)
 */
import { parseArgs } from "node:util";
import { spawn } from "node:child_process";
import { writeFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { loadTestEnv, uniqueName } from "../test/env/harness.ts";
import { run } from "../core/exec.ts";
import { createLogger } from "../core/log.ts";
import { createKubeClient } from "../agent/kube/kube-client.ts";
import type { KubeObject } from "../agent/kube/kube-object.ts";
import { buildObjects as build } from "./fixtures/thousand-objects.ts";
import { mapSettled } from "../agent/kube/limiter.ts";
import { applySync } from "../agent/sync/apply-sync.ts";
import { AppliedState } from "../agent/apply/applied-state.ts";
import { countersSince, type RequestCounters } from "../agent/kube/kube-client.ts";

const { values } = parseArgs({
  options: {
    objects: { type: "string", default: "1000" },
    concurrency: { type: "string", default: "4" },
    worker: { type: "boolean", default: false },
    quick: { type: "boolean", default: false },
    kubeconfig: { type: "string" },
    namespaces: { type: "string" },
    "agent-namespace": { type: "string" },
  },
});
const total = Number(values.objects);
const concurrency = Number(values.concurrency);

async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const start = performance.now();
  const value = await fn();
  return { ms: performance.now() - start, value };
}

/** What the agent-side child reports. */
interface WorkerReport {
  coldMs: number;
  noopMs: number;
  /** The no-op with every object dry-run (no applied state). */
  noopDryRunMs: number;
  noopRequests: RequestCounters;
  noopDryRunRequests: RequestCounters;
  getFloorMs: number;
  pruneMs: number;
  pruned: number;
  serialFloorMs: number;
  parallelFloorMs: number;
  floorRequests: number;
  rssBeforeMiB: number;
  rssPeakMiB: number;
}

/** The agent side: cold apply, no-op, prune, floor; prints one JSON report. */
async function worker(): Promise<void> {
  let peak = process.memoryUsage().rss;
  let atPeak = process.memoryUsage();
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    if (m.rss > peak) {
      peak = m.rss;
      atPeak = m;
    }
  }, 10);
  const rssBefore = process.memoryUsage().rss;
  const client = await createKubeClient({ kubeconfig: values.kubeconfig });
  const log = createLogger({ write: () => {} });
  const objects = build((values.namespaces ?? "").split(","), total);
  const state = new AppliedState();
  const sync = (objs: KubeObject[], applied: AppliedState | null = state) =>
    applySync({ client, sync: "bench", agentNamespace: values["agent-namespace"], objects: objs, prune: true, wait: false, force: false, allowEmpty: false, timeoutMs: 600_000, concurrency, signal: AbortSignal.timeout(900_000), log, ...(applied ? { applied } : {}) });
  const counted = async <T>(fn: () => Promise<T>): Promise<{ ms: number; value: T; sent: RequestCounters }> => {
    const before = structuredClone(client.counters as RequestCounters);
    const t = await timed(fn);
    return { ...t, sent: countersSince(before, client.counters as RequestCounters) };
  };
  const failIf = (what: string, o: Awaited<ReturnType<typeof sync>>): void => {
    if (!o.ok) throw new Error(`${what} failed: ${o.errors.slice(0, 3).map((e) => e.message).join("; ")}`);
  };
  const cold = await timed(() => sync(objects));
  failIf("cold apply", cold.value);
  // Today's path: every existing object dry-run. Then one run with the state so that what the
  // controllers wrote since the cold apply (a Deployment's revision annotation) is confirmed once.
  const noopDry = await counted(() => sync(objects, null));
  failIf("no-op apply (dry-runs)", noopDry.value);
  // Wait until the Deployment controller has seen every Deployment (it annotates each once).
  const namespaces = (values.namespaces ?? "").split(",");
  const settled = async (): Promise<boolean> => {
    for (const ns of namespaces) {
      const res = await client.request<{ items: { metadata: { generation?: number; annotations?: Record<string, string> }; status?: { observedGeneration?: number } }[] }>({ method: "GET", path: `/apis/apps/v1/namespaces/${ns}/deployments` });
      if (res.body.items.some((d) => d.status?.observedGeneration !== d.metadata.generation || !d.metadata.annotations?.["deployment.kubernetes.io/revision"])) return false;
    }
    return true;
  };
  for (let i = 0; i < 600 && !(await settled()); i++) await new Promise((r) => setTimeout(r, 500));
  failIf("no-op apply (settling)", await sync(objects));
  const noop = await counted(() => sync(objects));
  failIf("no-op apply", noop.value);
  const unchanged = noop.value.changeSet.filter((e) => e.action === "unchanged").length;
  if (unchanged !== total) {
    const changed = noop.value.changeSet.filter((e) => e.action !== "unchanged").map((e) => `${e.id} ${e.action}`);
    throw new Error(`no-op apply changed something: ${unchanged}/${total} unchanged (${changed.slice(0, 5).join(", ")})`);
  }
  const half = objects.filter((_, i) => i % 2 === 0);
  const prune = await timed(() => sync(half));
  failIf("prune", prune.value);
  const patches = half.concat(half).slice(0, total);
  const patch = async (o: KubeObject): Promise<void> => {
    const m = await client.resource(o.apiVersion, o.kind);
    await client.request({
      method: "PATCH",
      path: client.objectPath(m, o.metadata.namespace, o.metadata.name),
      query: { fieldManager: "bench-floor", force: "true" },
      body: JSON.stringify(o),
      contentType: "application/apply-patch+yaml",
    });
  };
  await patch(patches[0] as KubeObject);
  const serial = await timed(async () => {
    for (const o of patches) await patch(o);
  });
  const parallel = await timed(() => mapSettled(patches, 16, patch));
  const get = async (o: KubeObject): Promise<void> => {
    const m = await client.resource(o.apiVersion, o.kind);
    await client.request({ method: "GET", path: client.objectPath(m, o.metadata.namespace, o.metadata.name) });
  };
  const gets = await timed(() => mapSettled(patches, 16, get));
  clearInterval(sampler);
  client.close();
  if (process.env.BENCH_MEMORY_DETAIL) console.error(JSON.stringify(Object.fromEntries(Object.entries(atPeak).map(([k, v]) => [k, Math.round(v / 1048576)]))));
  const report: WorkerReport = {
    coldMs: cold.ms,
    noopMs: noop.ms,
    noopDryRunMs: noopDry.ms,
    noopRequests: noop.sent,
    noopDryRunRequests: noopDry.sent,
    getFloorMs: gets.ms,
    pruneMs: prune.ms,
    pruned: prune.value.pruned.length,
    serialFloorMs: serial.ms,
    parallelFloorMs: parallel.ms,
    floorRequests: patches.length,
    rssBeforeMiB: rssBefore / 1048576,
    rssPeakMiB: Math.max(peak, process.memoryUsage().rss) / 1048576,
  };
  console.log(JSON.stringify(report));
}

/** Orchestrates: namespaces, the bundled agent side, kubectl's side, the table. */
async function main(): Promise<void> {
  const env = loadTestEnv();
  if (!env) throw new Error("the test environment is not up: run `npm run testenv -- up`");
  const kubectl = async (args: string[], input?: string): Promise<string> => (await run("kubectl", ["--kubeconfig", env.kubeconfig, ...args], { input })).stdout;
  const ours = Array.from({ length: 10 }, () => uniqueName("bench-s"));
  const theirs = Array.from({ length: 10 }, () => uniqueName("bench-k"));
  const ours2 = Array.from({ length: 10 }, () => uniqueName("bench-m"));
  const agentNs = uniqueName("bench-agent");
  const agentNs2 = uniqueName("bench-agent");
  const all = [...ours, ...theirs, ...ours2, agentNs, agentNs2];
  const dir = mkdtempSync(path.join(tmpdir(), "bench-apply-"));
  try {
    await kubectl(["apply", "-f", "-"], all.map((n) => JSON.stringify({ apiVersion: "v1", kind: "Namespace", metadata: { name: n } })).join("\n"));
    const { build: esbuild } = await import("esbuild");
    const bundle = path.join(dir, "agent-apply.mjs");
    await esbuild({
      entryPoints: [fileURLToPath(import.meta.url)],
      outfile: bundle,
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node24",
      external: ["esbuild"],
      banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
      logLevel: "warning",
    });
    const agentSide = async (nodeFlags: string[], namespaces: string[], parentNs: string): Promise<WorkerReport> => {
      const out = await new Promise<string>((resolve, reject) => {
        const args = [...nodeFlags, bundle, "--worker", "--kubeconfig", env.kubeconfig, "--namespaces", namespaces.join(","), "--agent-namespace", parentNs, "--objects", String(total), "--concurrency", String(concurrency)];
        const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "inherit"] });
        let text = "";
        child.stdout.on("data", (c: Buffer) => (text += c.toString()));
        child.on("close", (code) => (code === 0 ? resolve(text) : reject(new Error(`agent side exited with ${code}`))));
      });
      return JSON.parse(out.trim().split("\n").pop() ?? "{}") as WorkerReport;
    };
    const r = await agentSide([], ours, agentNs);
    // The same run again on fresh namespaces with a smaller young generation, as the agent's
    // Deployment runs it (NODE_OPTIONS=--max-semi-space-size=4): for its memory only.
    const small = values.quick ? undefined : await agentSide(["--max-semi-space-size=4"], ours2, agentNs2);
    const file = path.join(dir, "objects.yaml");
    writeFileSync(file, build(theirs, total).map((o) => JSON.stringify(o)).join("\n---\n"));
    const skipped = { ms: Number.NaN, value: "" };
    const kCold = values.quick ? skipped : await timed(() => kubectl(["apply", "--server-side", "--field-manager=bench", "-f", file]));
    const kNoop = values.quick ? skipped : await timed(() => kubectl(["apply", "--server-side", "--field-manager=bench", "-f", file]));
    const s = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
    console.log(`\nApply benchmark: ${total} objects (Deployments with 0 replicas, Services, ConfigMaps) over 10 namespaces; applySync concurrency ${concurrency}; Node ${process.version}\n`);
    console.log("| measurement | slipway applySync | kubectl apply --server-side | ratio (target) |");
    console.log("|---|---:|---:|---:|");
    console.log(`| cold apply, ${total} objects | ${s(r.coldMs)} | ${s(kCold.ms)} | ${(r.coldMs / kCold.ms).toFixed(2)}× (≤ 0.5×) |`);
    const req = (c: RequestCounters): string => `${c.total} requests (${c.byMethod.GET} GET, ${c.byMethod.PATCH} PATCH of which ${c.dryRun} dry-run)`;
    console.log(`| no-op re-apply, ${total} unchanged, every object dry-run | ${s(r.noopDryRunMs)} | ${s(kNoop.ms)} | ${(r.noopDryRunMs / kNoop.ms).toFixed(2)}× (≤ 0.25×) |`);
    console.log(`| no-op re-apply, ${total} unchanged, applied state kept | ${s(r.noopMs)} | ${s(kNoop.ms)} | ${(r.noopMs / kNoop.ms).toFixed(3)}× (≤ ${s(r.getFloorMs)}, the GET floor) |`);
    console.log(`| requests of the no-op: every object dry-run / applied state kept | ${req(r.noopDryRunRequests)} / ${req(r.noopRequests)} | — | — |`);
    console.log(`| prune ${r.pruned} (re-apply ${total - r.pruned} unchanged + delete) | ${s(r.pruneMs)} | — | — |`);
    console.log(`| floor: ${r.floorRequests} raw no-op apply PATCHes, 1 at a time | ${s(r.serialFloorMs)} | — | — |`);
    console.log(`| floor: ${r.floorRequests} raw no-op apply PATCHes, 16 at a time | ${s(r.parallelFloorMs)} | — | — |`);
    console.log(`| floor: ${r.floorRequests} plain GETs, 16 at a time | ${s(r.getFloorMs)} | — | — |`);
    console.log(`| agent-side peak RSS, Node defaults | ${r.rssPeakMiB.toFixed(0)} MiB | — | < 120 MiB (${r.rssBeforeMiB.toFixed(0)} MiB at start) |`);
    if (small) console.log(`| agent-side peak RSS, --max-semi-space-size=4 | ${small.rssPeakMiB.toFixed(0)} MiB | — | < 120 MiB (same run: cold ${s(small.coldMs)}, no-op ${s(small.noopMs)}) |`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await kubectl(["delete", "namespace", ...all, "--wait=false", "--ignore-not-found"]).catch(() => "");
  }
}

await (values.worker ? worker() : main());

/**
 * Benchmark: Slipway's apply engine beside Flux's, on the same local API server, in one run.
 * Flux's side is fluxcd/pkg/ssa's ResourceManager (v0.76.2, the version kustomize-controller
 * v1.9.6 ships) driven by bench/flux-ssa/main.go with the controller's defaults (concurrency 4,
 * QPS 50, burst 300), because source-controller v1.9.6 cannot be built from the Go module proxy
 * here (see the README's Benchmarks section). The driver is built once into
 * `~/.cache/slipway/flux/flux-ssa/<stamp>/` (a hash of its go.mod, go.sum and main.go), like the
 * Go oracle of the tests; bench-only, never part of `npm test`.
 *
 * Per round, each side gets namespaces of its own and the same 1,000 objects (Deployments with
 * 0 replicas, Services, ConfigMaps over 10 namespaces): a cold apply, then the no-op (Flux:
 * ApplyAllStaged again, which dry-runs every object; Slipway: applySync again with the applied
 * state the daemon keeps). Rounds alternate which side goes first. Prints a markdown table of
 * medians, with the requests each side sent.
 *
 * Usage: node bench/flux-ssa.ts [--objects 1000] [--rounds 3]
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

const { values } = parseArgs({ options: { objects: { type: "string", default: "1000" }, rounds: { type: "string", default: "3" } } });
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

/** Per namespace, a third each of Deployments (0 replicas), Services and ConfigMaps (as bench/agent-apply.ts). */
function build(namespaces: string[], count: number): KubeObject[] {
  const out: KubeObject[] = [];
  const per = Math.ceil(count / namespaces.length);
  for (const ns of namespaces) {
    for (let i = 0; i < per && out.length < count; i++) {
      const name = `app-${String(i).padStart(3, "0")}`;
      const labels = { app: name };
      if (i % 3 === 0) {
        out.push({
          apiVersion: "apps/v1",
          kind: "Deployment",
          metadata: { name, namespace: ns, labels },
          spec: { replicas: 0, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: "app", image: `registry.example/${name}:1`, ports: [{ containerPort: 8080 }] }] } } },
        });
      } else if (i % 3 === 1) {
        out.push({ apiVersion: "v1", kind: "Service", metadata: { name, namespace: ns, labels }, spec: { selector: labels, ports: [{ port: 80, targetPort: 8080 }] } });
      } else {
        out.push({ apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: ns, labels }, data: { "app.properties": `name=${name}\n` } });
      }
    }
  }
  return out;
}

interface SideResult {
  coldMs: number;
  noopMs: number;
  coldRequests: number;
  noopRequests: number;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

async function main(): Promise<void> {
  const env = loadTestEnv();
  if (!env) throw new Error("the test environment is not up: run `npm run testenv -- up`");
  const driver = await ensureDriver();
  const kubectl = async (args: string[], input?: string): Promise<string> => (await run("kubectl", ["--kubeconfig", env.kubeconfig, ...args], { input })).stdout;
  const client = await createKubeClient({ kubeconfig: env.kubeconfig });
  const log = createLogger({ write: () => {} });
  const dir = mkdtempSync(path.join(os.tmpdir(), "bench-flux-"));
  const created: string[] = [];
  const namespaces = async (prefix: string): Promise<string[]> => {
    const ns = Array.from({ length: 10 }, () => uniqueName(prefix));
    await kubectl(["apply", "-f", "-"], ns.map((n) => JSON.stringify({ apiVersion: "v1", kind: "Namespace", metadata: { name: n } })).join("\n"));
    created.push(...ns);
    return ns;
  };
  const flux = async (): Promise<SideResult> => {
    const file = path.join(dir, "objects.jsonl");
    writeFileSync(file, build(await namespaces("bench-f"), total).map((o) => JSON.stringify(o)).join("\n") + "\n");
    const out = await new Promise<string>((resolve, reject) => {
      const child = spawn(driver, ["-kubeconfig", env.kubeconfig, "-objects", file], { stdio: ["ignore", "pipe", "inherit"] });
      let text = "";
      child.stdout.on("data", (c: Buffer) => (text += c.toString()));
      child.on("close", (code) => (code === 0 ? resolve(text) : reject(new Error(`flux-ssa exited with ${code}`))));
    });
    return JSON.parse(out.trim()) as SideResult;
  };
  const slipway = async (): Promise<SideResult> => {
    const objects = build(await namespaces("bench-s"), total);
    const agentNs = (await namespaces("bench-p"))[0] as string;
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
  const results: { flux: SideResult[]; slipway: SideResult[] } = { flux: [], slipway: [] };
  try {
    for (let r = 0; r < rounds; r++) {
      if (r % 2 === 0) {
        results.flux.push(await flux());
        results.slipway.push(await slipway());
      } else {
        results.slipway.push(await slipway());
        results.flux.push(await flux());
      }
    }
  } finally {
    client.close();
    rmSync(dir, { recursive: true, force: true });
    await kubectl(["delete", "namespace", ...created, "--wait=false", "--ignore-not-found"]).catch(() => "");
  }
  const m = (side: SideResult[], k: keyof SideResult): number => median(side.map((s) => s[k]));
  const s = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
  console.log(`\nSlipway beside fluxcd/pkg/ssa v0.76.2 (kustomize-controller v1.9.6's engine): ${total} objects over 10 namespaces, ${rounds} alternating rounds, medians; Node ${process.version}, load ${os.loadavg()[0]?.toFixed(1)}\n`);
  console.log("| measurement | slipway | flux ssa | ratio |");
  console.log("|---|---:|---:|---:|");
  console.log(`| cold apply | ${s(m(results.slipway, "coldMs"))} | ${s(m(results.flux, "coldMs"))} | ${(m(results.slipway, "coldMs") / m(results.flux, "coldMs")).toFixed(2)}× |`);
  console.log(`| cold apply, requests | ${m(results.slipway, "coldRequests")} | ${m(results.flux, "coldRequests")} | ${(m(results.slipway, "coldRequests") / m(results.flux, "coldRequests")).toFixed(2)}× |`);
  console.log(`| no-op reconcile | ${s(m(results.slipway, "noopMs"))} | ${s(m(results.flux, "noopMs"))} | ${(m(results.slipway, "noopMs") / m(results.flux, "noopMs")).toFixed(3)}× |`);
  console.log(`| no-op reconcile, requests | ${m(results.slipway, "noopRequests")} | ${m(results.flux, "noopRequests")} | ${(m(results.slipway, "noopRequests") / m(results.flux, "noopRequests")).toFixed(3)}× |`);
  for (const [i, r] of results.slipway.entries()) {
    const f = results.flux[i] as SideResult;
    console.log(`| round ${i + 1}: cold / no-op | ${s(r.coldMs)} / ${s(r.noopMs)} | ${s(f.coldMs)} / ${s(f.noopMs)} | — |`);
  }
}

await main();

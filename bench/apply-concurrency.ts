/**
 * Benchmark: the effect of `applyConcurrency` (objects applied at once within a stage) on
 * `applySync` over the same 1,000 objects (bench/fixtures/thousand-objects.ts), on the local
 * control plane (`npm run testenv -- up`). Per value, on namespaces of its own: a cold apply
 * (every object created) and a no-op with every object dry-run (what `--once` and the first run
 * after a restart do). Beside them the floor the cold apply is measured against: the same
 * number of raw create PATCHes (server-side apply of new objects), 16 at a time. Values run in
 * rotating order per round; prints medians.
 *
 * Usage: node bench/apply-concurrency.ts [--objects 1000] [--values 1,4,8,16] [--rounds 1]
 */
import os from "node:os";
import { parseArgs } from "node:util";
import { run } from "../core/exec.ts";
import { createLogger } from "../core/log.ts";
import { countersSince, createKubeClient, type RequestCounters } from "../agent/kube/kube-client.ts";
import type { KubeObject } from "../agent/kube/kube-object.ts";
import { mapSettled } from "../agent/kube/limiter.ts";
import { applySync } from "../agent/sync/apply-sync.ts";
import { loadTestEnv, uniqueName } from "../test/env/harness.ts";
import { buildObjects } from "./fixtures/thousand-objects.ts";

const { values } = parseArgs({ options: { objects: { type: "string", default: "1000" }, values: { type: "string", default: "1,4,8,16" }, rounds: { type: "string", default: "1" } } });
const total = Number(values.objects);
const levels = (values.values ?? "").split(",").map(Number);
const rounds = Number(values.rounds);

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

async function main(): Promise<void> {
  const env = loadTestEnv();
  if (!env) throw new Error("the test environment is not up: run `npm run testenv -- up`");
  const kubectl = async (args: string[], input?: string): Promise<string> => (await run("kubectl", ["--kubeconfig", env.kubeconfig, ...args], { input })).stdout;
  const client = await createKubeClient({ kubeconfig: env.kubeconfig });
  const log = createLogger({ write: () => {} });
  const created: string[] = [];
  const namespaces = async (prefix: string, n = 10): Promise<string[]> => {
    const ns = Array.from({ length: n }, () => uniqueName(prefix));
    await kubectl(["apply", "-f", "-"], ns.map((x) => JSON.stringify({ apiVersion: "v1", kind: "Namespace", metadata: { name: x } })).join("\n"));
    created.push(...ns);
    return ns;
  };
  const cold: Record<number, number[]> = {};
  const noop: Record<number, number[]> = {};
  const requests: Record<number, RequestCounters> = {};
  const floor: number[] = [];
  try {
    for (let r = 0; r < rounds; r++) {
      const order = levels.map((_, i) => levels[(i + r) % levels.length] as number);
      for (const c of order) {
        const objects = buildObjects(await namespaces("bench-c"), total);
        const agentNs = (await namespaces("bench-cp", 1))[0] as string;
        const pass = async (): Promise<number> => {
          const start = performance.now();
          const o = await applySync({ client, sync: "bench", agentNamespace: agentNs, objects, prune: true, wait: false, force: false, allowEmpty: false, timeoutMs: 600_000, concurrency: c, signal: AbortSignal.timeout(900_000), log });
          if (!o.ok) throw new Error(`concurrency ${c}: ${o.errors.slice(0, 3).map((e) => e.message).join("; ")}`);
          return performance.now() - start;
        };
        const before = structuredClone(client.counters as RequestCounters);
        (cold[c] ??= []).push(await pass());
        requests[c] = countersSince(before, client.counters as RequestCounters);
        (noop[c] ??= []).push(await pass());
      }
      // The floor: raw create PATCHes of the same objects in namespaces of their own.
      const objects = buildObjects(await namespaces("bench-cf"), total);
      const patch = async (o: KubeObject): Promise<void> => {
        const m = await client.resource(o.apiVersion, o.kind);
        await client.request({ method: "PATCH", path: client.objectPath(m, o.metadata.namespace, o.metadata.name), query: { fieldManager: "bench-floor", force: "true" }, body: JSON.stringify(o), contentType: "application/apply-patch+yaml" });
      };
      const start = performance.now();
      const out = await mapSettled(objects, 16, patch);
      const failed = out.find((o) => !o.ok);
      if (failed && !failed.ok) throw failed.error;
      floor.push(performance.now() - start);
    }
  } finally {
    client.close();
    await kubectl(["delete", "namespace", ...created, "--wait=false", "--ignore-not-found"]).catch(() => "");
  }
  const s = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
  const f = median(floor);
  console.log(`\napplySync by applyConcurrency: ${total} objects over 10 namespaces, ${rounds} round(s), medians; Node ${process.version}, load ${os.loadavg()[0]?.toFixed(1)}\n`);
  console.log("| applyConcurrency | cold apply | cold ÷ floor (goal ≤ 1.5×) | cold requests | no-op, every object dry-run |");
  console.log("|---:|---:|---:|---:|---:|");
  for (const c of levels) console.log(`| ${c} | ${s(median(cold[c] ?? []))} | ${(median(cold[c] ?? []) / f).toFixed(2)}× | ${requests[c]?.total ?? "—"} | ${s(median(noop[c] ?? []))} |`);
  console.log(`| floor: ${total} raw create PATCHes, 16 at a time | ${s(f)} | 1.00× | ${total} | — |`);
}

await main();

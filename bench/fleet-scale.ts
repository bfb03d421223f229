/**
 * Benchmark: many syncs in one agent — by default 10,000 objects across 100 syncs (100 each,
 * bench/fixtures/thousand-objects.ts's mix, each sync in a namespace of its own), one git
 * repository, Slipway's daemon as shipped (bench/fixtures/agent-daemon.ts) with its member
 * watches on. Measures: cold (process start → every sync's first "Reconciliation finished"),
 * the no-op of all syncs (the source's receiver called at the same revision, which wakes every
 * sync: call → the last sync finished; each run fetches nothing new, reuses the build it kept
 * for the commit, and applies with the applied state, so unchanged objects cost no request of
 * their own), the same no-op with the kept builds deleted first (the anchor: every sync exports
 * and builds again), alternating `--rounds` times, and the daemon's peak RSS (VmHWM) over all.
 * Needs `npm run testenv -- up`.
 *
 * Usage: node bench/fleet-scale.ts [--syncs 100] [--objects-per-sync 100] [--rounds 3] [--sync-concurrency 4]
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { run } from "../core/exec.ts";
import { loadTestEnv, uniqueName } from "../test/env/harness.ts";
import { buildCli, pokeReceiver, startDaemon } from "./fixtures/agent-daemon.ts";
import { createBenchRepo } from "./fixtures/bench-repo.ts";
import { buildObjects } from "./fixtures/thousand-objects.ts";

const { values } = parseArgs({ options: { syncs: { type: "string", default: "100" }, "objects-per-sync": { type: "string", default: "100" }, rounds: { type: "string", default: "3" }, "sync-concurrency": { type: "string", default: "4" } } });
const rounds = Number(values.rounds);
const syncConcurrency = Number(values["sync-concurrency"]);
const syncCount = Number(values.syncs);
const perSync = Number(values["objects-per-sync"]);

async function main(): Promise<void> {
  const env = loadTestEnv();
  if (!env) throw new Error("the test environment is not up: run `npm run testenv -- up`");
  const kubectl = async (args: string[], input?: string): Promise<string> => (await run("kubectl", ["--kubeconfig", env.kubeconfig, ...args], { input })).stdout;
  const dir = mkdtempSync(path.join(os.tmpdir(), "bench-fleet-"));
  const namespaces = Array.from({ length: syncCount }, () => uniqueName("bench-fl"));
  const agentNs = uniqueName("bench-fla");
  const repo = createBenchRepo(env, dir, uniqueName("bench-fleet"));
  const syncs = namespaces.map((_, i) => `s${String(i).padStart(3, "0")}`);
  try {
    await kubectl(["apply", "-f", "-"], [...namespaces, agentNs].map((x) => JSON.stringify({ apiVersion: "v1", kind: "Namespace", metadata: { name: x } })).join("\n"));
    const files: Record<string, string> = {};
    for (const [i, ns] of namespaces.entries()) files[`syncs/${syncs[i]}/objects.yaml`] = buildObjects([ns], perSync).map((o) => JSON.stringify(o)).join("\n---\n") + "\n";
    const sha = repo.commit(files, "objects");
    const config = path.join(dir, "config.yaml");
    writeFileSync(config, `namespace: ${agentNs}
listen: "127.0.0.1:0"
syncConcurrency: ${syncConcurrency}
sources:
  - { name: m, url: "${repo.url}", ref: { branch: main }, interval: 1h }
syncs:
${syncs.map((s) => `  - { name: ${s}, sourceRef: m, path: syncs/${s}, wait: false, interval: 1h, timeout: 20m }`).join("\n")}
receivers:
  listen: "127.0.0.1:0"
  endpoints: [{ name: m, type: slipway, open: true }]
`);
    const cliDir = path.join(dir, "cli");
    buildCli(cliDir);
    const daemon = startDaemon({ cliDir, config, kubeconfig: env.kubeconfig, cacheDir: path.join(dir, "cache") });
    try {
      const coldAt = await daemon.finished(sha, syncs);
      const coldRss = daemon.peakRssMiB();
      const port = await daemon.receiversPort();
      // One settling run (the controllers' writes since the cold apply are confirmed once), then the no-op.
      const settled = daemon.finished(sha, syncs);
      await pokeReceiver(port, "m", sha);
      await settled;
      // The no-op with the builds the daemon kept, then the same with them dropped (every sync
      // exports its tree and runs kustomize again: the anchor, as before builds were kept),
      // alternating, medians.
      const noops: number[] = [];
      const rebuilt: number[] = [];
      const noopOnce = async (): Promise<number> => {
        const t0 = performance.now();
        const noop = daemon.finished(sha, syncs);
        await pokeReceiver(port, "m", sha);
        return (await noop) - t0;
      };
      for (let round = 0; round < rounds; round++) {
        noops.push(await noopOnce());
        rmSync(path.join(dir, "cache", "builds"), { recursive: true, force: true });
        rebuilt.push(await noopOnce());
      }
      const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
      const s = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
      console.log(`\nFleet scale: ${syncCount * perSync} objects across ${syncCount} syncs (${perSync} each) in one agent, ${syncConcurrency} at once, member watches on; Node ${process.version}, load ${os.loadavg()[0]?.toFixed(1)}\n`);
      console.log("| measurement | slipway | goal |");
      console.log("|---|---:|---|");
      console.log(`| cold: daemon start → every sync Ready | ${s(coldAt - daemon.startedAt)} | — |`);
      console.log(`| no-op of all ${syncCount} syncs: receiver called → the last finished, builds kept | ${s(median(noops))} (${noops.map(s).join(", ")}) | ≤ 3 s |`);
      console.log(`| the same, builds dropped first (tree exported, kustomize run for every sync) | ${s(median(rebuilt))} (${rebuilt.map(s).join(", ")}) | — |`);
      console.log(`| daemon peak RSS (VmHWM): after cold / after the no-ops | ${coldRss.toFixed(0)} MiB / ${daemon.peakRssMiB().toFixed(0)} MiB | ≤ 150 MiB |`);
    } finally {
      daemon.stop();
    }
  } finally {
    repo.dispose();
    rmSync(dir, { recursive: true, force: true });
    await kubectl(["delete", "namespace", ...namespaces, agentNs, "--wait=false", "--ignore-not-found"]).catch(() => "");
  }
}

await main();

/**
 * Leader election with two real agent processes on one namespace (short lease timings: lease 6 s,
 * renew deadline 4 s, retry period 1 s): only the leader reconciles and writes Events; kill -9
 * of the leader hands the Lease to the other within the lease duration and it converges; a
 * leader whose API access is cut (a TCP proxy in front of the API server stops forwarding) stops
 * before the other one takes the Lease.
 */
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import net from "node:net";
import { hostname, tmpdir } from "node:os";
import path from "node:path";
import { createGitRepo, createNamespace, integration, kubectl, type TestEnv } from "../../env/harness.ts";
import { pushChanges } from "../e2e/git-push.ts";
import { cacheDir, eventually, writeConfig, type AgentProcess } from "../e2e/agent-process.ts";
import { readStatus } from "../e2e/parent-status.ts";

const bin = path.resolve(import.meta.dirname, "../../../cli/bin.ts");
const timings = ["--leader-elect-lease-duration", "6s", "--leader-elect-renew-deadline", "4s", "--leader-elect-retry-period", "1s"];
const leaseMs = 6000;
const cm = (name: string, value: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  k: ${value}\n`;

interface Lease {
  spec: { holderIdentity?: string; acquireTime?: string; renewTime?: string; leaseTransitions?: number };
}

/** Starts an agent with leader election on; its identity is `host_pid`. */
function startCandidate(t: TestContext, config: string, kubeconfig: string): Omit<AgentProcess, "receiversPort"> & { identity: string; exitedAt: Promise<number> } {
  const child = spawn(process.execPath, [bin, "agent", "--config", config, "--kubeconfig", kubeconfig, "--cache-dir", cacheDir(), ...timings], { stdio: ["ignore", "pipe", "pipe"] });
  let logs = "";
  let onPort: (p: number) => void = () => {};
  const port = new Promise<number>((resolve) => (onPort = resolve));
  const collect = (b: Buffer): void => {
    logs += b.toString();
    const m = /"msg":"listening on port (\d+)"/.exec(logs);
    if (m) onPort(Number(m[1]));
  };
  child.stdout.on("data", collect);
  child.stderr.on("data", collect);
  const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  const exitedAt = new Promise<number>((resolve) => child.on("exit", () => resolve(Date.now())));
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null && child.pid) process.kill(child.pid, "SIGKILL");
  });
  return { child, port, logs: () => logs, exited, exitedAt, identity: `${hostname()}_${child.pid}` };
}

async function readLease(env: TestEnv, ns: string): Promise<Lease | undefined> {
  const out = await kubectl(env, ["get", "lease", "slipway-agent", "-n", ns, "-o", "json", "--ignore-not-found"]);
  return out.trim() ? (JSON.parse(out) as Lease) : undefined;
}

/** Reporting instances of the agent's Events in `ns`. */
async function eventInstances(env: TestEnv, ns: string): Promise<Set<string>> {
  const out = JSON.parse(await kubectl(env, ["get", "events.events.k8s.io", "-n", ns, "-o", "json"])) as { items: { reportingInstance?: string }[] };
  return new Set(out.items.map((e) => e.reportingInstance ?? ""));
}

async function setup(env: TestEnv, t: TestContext) {
  const ns = await createNamespace(env, t, "slipway-leader");
  const appNs = await createNamespace(env, t, "leader-apps");
  const repo = await createGitRepo(env, t, { files: { "apps/a.yaml": cm("a", "one") } });
  const config = writeConfig(`namespace: ${ns}
listen: "127.0.0.1:0"
sources:
  - { name: manifests, url: "${repo.httpUrl}", ref: { branch: main }, interval: 2s }
syncs:
  - { name: apps, sourceRef: manifests, path: apps, targetNamespace: ${appNs}, interval: 1h, timeout: 1m }
`);
  return { ns, appNs, repo, config };
}

test("leader election: of two agents only the leader writes; kill -9 hands over within the lease duration and the other converges", async (t) => {
  const env = integration(t);
  if (!env) return;
  const { ns, appNs, repo, config } = await setup(env, t);
  const a = startCandidate(t, config, env.kubeconfig);
  await eventually("a leads", async () => ((await readLease(env, ns))?.spec.holderIdentity === a.identity ? true : undefined), 30_000);
  const b = startCandidate(t, config, env.kubeconfig);
  const bPort = await b.port;
  await eventually("b stands by", async () => (b.logs().includes("standing by") ? true : undefined), 30_000);
  await eventually("first apply", async () => ((await readStatus(env, ns, "apps"))?.ready === "True" ? true : undefined));
  // A new commit, seen by the leader's source poll (every 2 s), applied by the leader alone.
  const sha2 = await pushChanges(repo, "main", { "apps/a.yaml": cm("a", "two") });
  await eventually("a applies the new commit", async () => ((await readStatus(env, ns, "apps"))?.lastAppliedRevision === `main@sha1:${sha2}` ? true : undefined));
  const lease = await readLease(env, ns);
  assert.equal(lease?.spec.holderIdentity, a.identity);
  assert.equal(lease?.spec.leaseTransitions ?? 0, 0, "the Lease never changed hands while a held it");
  assert.deepEqual([...(await eventInstances(env, ns))], [a.identity], "only the leader's identity appears in Events");
  assert.equal((await fetch(`http://127.0.0.1:${bPort}/healthz`)).status, 200, "the standby serves its probes");
  assert.match(await (await fetch(`http://127.0.0.1:${bPort}/metrics`)).text(), /process_resident_memory_bytes/);
  assert.doesNotMatch(b.logs(), /"msg":"applied|reconcil/i, "the standby did not reconcile");

  // kill -9: no release; b waits for the Lease to expire, then takes it and converges.
  const sha3 = await pushChanges(repo, "main", { "apps/a.yaml": cm("a", "three") });
  const killedAt = Date.now();
  a.child.kill("SIGKILL");
  await a.exited;
  const taken = await eventually("b takes the Lease", async () => {
    const l = await readLease(env, ns);
    return l?.spec.holderIdentity === b.identity ? l : undefined;
  }, 30_000);
  const takeoverMs = Date.parse(taken.spec.acquireTime ?? "") - killedAt;
  assert.ok(takeoverMs <= leaseMs + 1500, `b took over ${takeoverMs} ms after the kill (lease ${leaseMs} ms)`);
  assert.equal(taken.spec.leaseTransitions, 1);
  await eventually("b converges on the newest commit", async () => ((await readStatus(env, ns, "apps"))?.lastAppliedRevision === `main@sha1:${sha3}` ? true : undefined));
  assert.equal((await kubectl(env, ["get", "configmap", "a", "-n", appNs, "-o", "jsonpath={.data.k}"])).trim(), "three");
  assert.ok((await eventInstances(env, ns)).has(b.identity));

  // A clean stop releases the Lease at once.
  b.child.kill("SIGTERM");
  assert.equal(await b.exited, 0, b.logs());
  assert.equal((await readLease(env, ns))?.spec.holderIdentity ?? "", "");
});

/** A TCP proxy to `target` whose forwarding can be cut (then it accepts and black-holes). */
async function cuttableProxy(t: TestContext, target: URL): Promise<{ port: number; cut(): void }> {
  let cut = false;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    sockets.add(client);
    client.on("close", () => sockets.delete(client));
    client.on("error", () => {});
    if (cut) return;
    const upstream = net.connect(Number(target.port), target.hostname);
    sockets.add(upstream);
    upstream.on("error", () => client.destroy());
    client.on("error", () => upstream.destroy());
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.after(() => {
    for (const s of sockets) s.destroy();
    server.close();
  });
  return {
    port: (server.address() as net.AddressInfo).port,
    cut() {
      cut = true;
      // Open connections go silent rather than closed, as under a network partition.
      for (const s of sockets) {
        s.unpipe();
        s.pause();
      }
    },
  };
}

test("leader election: a leader cut off from the API server stops before the other takes the Lease", async (t) => {
  const env = integration(t);
  if (!env) return;
  const { ns, config } = await setup(env, t);
  const admin = readFileSync(env.kubeconfig, "utf8");
  const server = new URL(/server:\s*(\S+)/.exec(admin)?.[1] ?? "");
  const proxy = await cuttableProxy(t, server);
  const dir = mkdtempSync(path.join(tmpdir(), "slipway-partition-"));
  const viaProxy = path.join(dir, "kubeconfig");
  // The admin kubeconfig names its certificate files relative to itself: keep them absolute.
  writeFileSync(viaProxy, admin.replace(server.origin, `https://127.0.0.1:${proxy.port}`).replace(/(certificate-authority|client-certificate|client-key): (?!\/)(\S+)/g, (_m, k: string, f: string) => `${k}: ${path.resolve(path.dirname(env.kubeconfig), f)}`));
  const a = startCandidate(t, config, viaProxy);
  await eventually("a leads", async () => ((await readLease(env, ns))?.spec.holderIdentity === a.identity ? true : undefined), 30_000);
  await eventually("first apply", async () => ((await readStatus(env, ns, "apps"))?.ready === "True" ? true : undefined));
  const b = startCandidate(t, config, env.kubeconfig);
  await eventually("b stands by", async () => (b.logs().includes("standing by") ? true : undefined), 30_000);

  proxy.cut();
  const code = await a.exited;
  const aStoppedAt = await a.exitedAt;
  assert.equal(code, 1, "a leader that lost the Lease exits 1 (its pod restarts as a candidate)");
  assert.match(a.logs(), /leadership lost/);
  const taken = await eventually("b takes the Lease", async () => {
    const l = await readLease(env, ns);
    return l?.spec.holderIdentity === b.identity ? l : undefined;
  }, 30_000);
  const bAcquiredAt = Date.parse(taken.spec.acquireTime ?? "");
  const lostLine = a.logs().split("\n").find((l) => l.includes("leadership lost"));
  const lostAt = Date.parse((JSON.parse(lostLine ?? "{}") as { time?: string }).time ?? "");
  assert.ok(lostAt < bAcquiredAt, `a stopped applying (${new Date(lostAt).toISOString()}) before b took the Lease (${taken.spec.acquireTime})`);
  assert.ok(aStoppedAt < bAcquiredAt + 2000, "a's process ended promptly after it lost the Lease");
});

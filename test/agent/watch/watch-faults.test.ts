// Faults between the agent and the API server, on the real control plane: the member watches go
// through a TCP proxy (test/env/tcp-proxy.ts) that freezes or cuts their connections. A frozen
// stream is dropped at the idle limit and resumed at once; a cut one is resumed after its backoff;
// in both cases the hand edit made while the stream was down is put back and nothing is re-listed.
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parse, stringify } from "yaml";
import { kubectl } from "../../env/harness.ts";
import { startTcpProxy, type TcpProxy } from "../../env/tcp-proxy.ts";
import { createKubeClient, type KubeClient } from "../../../agent/kube/kube-client.ts";
import type { KubeObject } from "../../../agent/kube/kube-object.ts";
import { pollUntil } from "../../../core/poll.ts";
import { WatchIdleError } from "../../../agent/kube/watch-idle-error.ts";
import { cm, deployment, setup, type Ctx } from "../sync/sync-fixture.ts";
import { watched } from "./watch-fixture.ts";

/**
 * The sync's client, except that its watches go through a TCP proxy to the same API server
 * (same credentials; the serving certificate is for 127.0.0.1, any port). LISTs and the
 * re-applies go direct, so the proxy carries only watch streams.
 */
async function watchesThroughProxy(t: TestContext, c: Ctx): Promise<{ proxy: TcpProxy; client: KubeClient }> {
  const api = new URL(c.client.server);
  const proxy = await startTcpProxy(t, { host: api.hostname, port: Number(api.port) });
  const dir = mkdtempSync(path.join(tmpdir(), "slipway-watch-proxy-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const config = parse(readFileSync(c.env.kubeconfig, "utf8")) as { clusters: { cluster: { server: string } }[] };
  for (const cluster of config.clusters) cluster.cluster.server = `https://127.0.0.1:${proxy.port}`;
  const kubeconfig = path.join(dir, "kubeconfig");
  writeFileSync(kubeconfig, stringify(config), { mode: 0o600 });
  const proxied = await createKubeClient({ kubeconfig });
  t.after(() => proxied.close());
  const watch = proxied.watch?.bind(proxied);
  assert.ok(watch, "the client can watch");
  return { proxy, client: { ...c.client, watch } };
}

const replicas = async (c: Ctx): Promise<number | undefined> => ((await c.get(["deployment", "web", "-n", c.ns]))?.spec as { replicas?: number } | undefined)?.replicas;

/**
 * A status write (a change the sync does not own, so no drift) and the wait until the watch has
 * seen it: the stream open now has been answered and carries events through the proxy.
 */
async function streamFlows(c: Ctx, w: Awaited<ReturnType<typeof watched>>, n: number): Promise<void> {
  const events = w.watch.stats().events;
  await c.client.request({
    method: "PATCH",
    path: `/apis/apps/v1/namespaces/${c.ns}/deployments/web/status`,
    body: JSON.stringify({ status: { collisionCount: n } }),
    contentType: "application/merge-patch+json",
  });
  assert.ok(await pollUntil(() => (w.watch.stats().events > events ? true : undefined), { intervalMs: 20, timeoutMs: 10_000 }), `the status write was not seen: ${JSON.stringify(w.watch.stats())}`);
}

test("a member watch stream that hangs (open, no byte) is dropped at the idle limit and resumed at once; the edit made meanwhile is put back", async (t) => {
  const c = await setup(t);
  if (!c) return;
  const { proxy, client } = await watchesThroughProxy(t, c);
  const build = (): KubeObject[] => [deployment(c.ns, "web", { replicas: 2 })];
  // Idle limit 3 s; a backoff would be a minute, longer than the test waits.
  const w = await watched(c, build, { client, kinds: [["apps/v1", "Deployment"]], idleTimeoutMs: 3_000, retryMs: 60_000 });
  t.after(() => w.watch.close());
  await w.settled();

  // The stream that just delivered an event lives at least 3 s more: it is the one frozen.
  await streamFlows(c, w, 1);
  const frozen = proxy.freeze();
  const before = structuredClone(w.watch.stats());
  const reportsBefore = w.reports.length;
  assert.ok(frozen >= 1, "a watch connection was open");
  const started = performance.now();
  await kubectl(c.env, ["scale", "deployment/web", "-n", c.ns, "--replicas=5"]);
  assert.ok(await pollUntil(async () => ((await replicas(c)) === 2 ? true : undefined), { intervalMs: 100, timeoutMs: 20_000 }), `scale not reverted within 20 s: ${JSON.stringify(w.watch.stats())}`);
  t.diagnostic(`scale behind a frozen stream reverted in ${Math.round(performance.now() - started)} ms (idle limit 3 s)`);
  await w.settled();
  // The client dropped the frozen connection itself.
  assert.ok(await pollUntil(() => (proxy.frozenOpen() === 0 ? true : undefined), { intervalMs: 50, timeoutMs: 5_000 }), `frozen connections still open: ${proxy.frozenOpen()}`);

  const stats = w.watch.stats();
  t.diagnostic(`stats before the freeze ${JSON.stringify(before)}, after ${JSON.stringify(stats)}; proxy accepted ${proxy.accepted()} connections`);
  assert.ok(stats.hung > before.hung, `a hang was seen: ${JSON.stringify(stats)}`);
  assert.ok(stats.streams > before.streams, `resumed: ${JSON.stringify(stats)}`);
  assert.equal(stats.failures, 0, `no backoff: ${JSON.stringify(stats)}`);
  assert.equal(stats.lists, 1, `resumed from the last resourceVersion, not listed again: ${JSON.stringify(stats)}`);
  assert.deepEqual(w.reports.slice(reportsBefore), [[`${c.ns}_web_apps_Deployment`]], "one report, of the one member edited");
});

test("member watch connections cut by the network are resumed after the backoff without missing the edit made while they were down", async (t) => {
  const c = await setup(t);
  if (!c) return;
  const { proxy, client } = await watchesThroughProxy(t, c);
  const build = (): KubeObject[] => [deployment(c.ns, "web", { replicas: 2 })];
  const w = await watched(c, build, { client, kinds: [["apps/v1", "Deployment"]], retryMs: 1_000 });
  t.after(() => w.watch.close());
  await w.settled();

  for (let i = 1; i <= 2; i++) {
    await streamFlows(c, w, i);
    const before = structuredClone(w.watch.stats());
    const reportsBefore = w.reports.length;
    assert.ok(proxy.cut() >= 1, "a watch connection was open");
    // The edit lands while the stream is down (the loop waits out its 1 s backoff) or just after it resumed.
    await kubectl(c.env, ["scale", "deployment/web", "-n", c.ns, `--replicas=${4 + i}`]);
    assert.ok(await pollUntil(async () => ((await replicas(c)) === 2 ? true : undefined), { intervalMs: 100, timeoutMs: 20_000 }), `scale ${i} not reverted: ${JSON.stringify(w.watch.stats())}`);
    await w.settled();
    const stats = w.watch.stats();
    t.diagnostic(`cut ${i}: stats before ${JSON.stringify(before)}, after ${JSON.stringify(stats)}`);
    assert.ok(stats.streams > before.streams, `resumed: ${JSON.stringify(stats)}`);
    assert.equal(stats.lists, 1, `resumed from the last resourceVersion, not listed again: ${JSON.stringify(stats)}`);
    assert.deepEqual(w.reports.slice(reportsBefore), [[`${c.ns}_web_apps_Deployment`]], "one report, of the one member edited");
  }
});

test("watches share one HTTP/2 connection; when one finds it hung, the others on it end too instead of waiting out their own limit", { timeout: 120_000 }, async (t) => {
  const c = await setup(t);
  if (!c) return;
  const { proxy, client } = await watchesThroughProxy(t, c);
  assert.deepEqual((await c.apply([cm(c.ns, "seen", { k: "v" })])).errors, []);
  const watch = client.watch;
  assert.ok(watch, "the client can watch");
  const collection = `/api/v1/namespaces/${c.ns}/configmaps`;
  const seen = { short: 0, long: 0 };
  // Both are answered (the server replays the existing ConfigMap as ADDED) before the freeze.
  const short = watch({ path: collection, idleTimeoutMs: 2_000 }, () => void seen.short++).then(() => undefined, (err: unknown) => err);
  const long = watch({ path: collection, idleTimeoutMs: 600_000 }, () => void seen.long++).then(() => undefined, (err: unknown) => err);
  assert.ok(await pollUntil(() => (seen.short > 0 && seen.long > 0 ? true : undefined), { intervalMs: 20, timeoutMs: 10_000 }), "both watches answered");
  assert.equal(proxy.accepted(), 1, "one connection carries both watches");
  proxy.freeze();
  // The short one hangs at its limit and drops the connection; the long one, whose own limit is
  // ten minutes, ends with it (the test's timeout would end it otherwise).
  const [a, b] = await Promise.all([short, long]);
  assert.ok(a instanceof WatchIdleError, `the short watch hung: ${String(a)}`);
  // Ended as a stream the server closed (resumed at once by the loop) or as a broken one; not by its own limit.
  assert.ok(!(b instanceof WatchIdleError), `the long watch ended with the connection, not by its own limit: ${String(b)}`);
  t.diagnostic(`the long watch ended with: ${b === undefined ? "the end of its stream" : String(b)}`);
});

import { test } from "node:test";
import assert from "node:assert/strict";
import { startAgentServer, parseListen } from "../../../agent/server/agent-server.ts";
import { createAgentMetrics } from "../../../agent/metrics/agent-metrics.ts";
import { createLogger } from "../../../core/log.ts";

const quiet = createLogger({ write: () => {} });

test("listen addresses", () => {
  assert.deepEqual(parseListen(":8080"), { host: undefined, port: 8080 });
  assert.deepEqual(parseListen("127.0.0.1:0"), { host: "127.0.0.1", port: 0 });
  assert.deepEqual(parseListen("[::1]:9090"), { host: "::1", port: 9090 });
  assert.throws(() => parseListen("8080"), /^SlipwayError: listen 8080: is not an address/);
});

test("metrics, probes and the webhook over real HTTP", async (t) => {
  const metrics = createAgentMetrics();
  metrics.reconciled("shop", true, 1.5);
  metrics.reconciled("shop", false, 0.2);
  metrics.ready("shop", true);
  metrics.fetched("manifests", true, 0.1);
  metrics.applied("shop", { created: 3, unchanged: 13 });
  const hooks: [string, string | undefined][] = [];
  let notReady: string | undefined = "API server: connection refused";
  const server = await startAgentServer({
    listen: "127.0.0.1:0",
    hookToken: "s3cret-token",
    log: quiet,
    handlers: {
      metrics: async () => ({ contentType: metrics.contentType, body: await metrics.render() }),
      notReady: () => notReady,
      hook: (source, revision) => (source === "manifests" ? (hooks.push([source, revision]), true) : false),
    },
  });
  t.after(() => server.close());
  const base = `http://127.0.0.1:${server.port}`;

  const m = await fetch(`${base}/metrics`);
  assert.equal(m.status, 200);
  assert.match(m.headers.get("content-type") ?? "", /text\/plain/);
  const text = await m.text();
  assert.match(text, /slipway_reconcile_total\{sync="shop",result="success"\} 1/);
  assert.match(text, /slipway_reconcile_total\{sync="shop",result="failure"\} 1/);
  assert.match(text, /slipway_reconcile_duration_seconds_bucket\{le="2.5",sync="shop"\} 2/);
  assert.match(text, /slipway_sync_ready\{sync="shop"\} 1/);
  assert.match(text, /slipway_source_fetch_duration_seconds_count\{source="manifests",result="success"\} 1/);
  assert.match(text, /slipway_applied_objects\{sync="shop",action="created"\} 3/);
  assert.match(text, /slipway_applied_objects\{sync="shop",action="deleted"\} 0/);
  assert.match(text, /slipway_build_info\{version="\d+\.\d+\.\d+"\} 1/);
  assert.match(text, /process_cpu_user_seconds_total/);

  assert.equal((await fetch(`${base}/healthz`)).status, 200);
  const r = await fetch(`${base}/readyz`);
  assert.equal(r.status, 503);
  assert.match(await r.text(), /not ready: API server: connection refused/);
  notReady = undefined;
  assert.equal((await fetch(`${base}/readyz`)).status, 200);

  assert.equal((await fetch(`${base}/hook/manifests`, { method: "POST" })).status, 401, "the token is required");
  assert.equal((await fetch(`${base}/hook/manifests`, { method: "POST", headers: { "X-Slipway-Token": "wrong-token!" } })).status, 401);
  const ok = await fetch(`${base}/hook/manifests`, { method: "POST", headers: { "X-Slipway-Token": "s3cret-token" }, body: JSON.stringify({ revision: "abc" }) });
  assert.equal(ok.status, 202);
  assert.deepEqual(await ok.json(), { source: "manifests", accepted: true, revision: "abc" });
  assert.equal((await fetch(`${base}/hook/other`, { method: "POST", headers: { "X-Slipway-Token": "s3cret-token" } })).status, 404);
  assert.equal((await fetch(`${base}/hook/manifests`, { method: "POST", headers: { "X-Slipway-Token": "s3cret-token" }, body: '{"revision": 5}' })).status, 400);
  assert.equal((await fetch(`${base}/hook/manifests`, { headers: { "X-Slipway-Token": "s3cret-token" } })).status, 405);
  assert.equal((await fetch(`${base}/nothing`)).status, 404);
  assert.deepEqual(hooks, [["manifests", "abc"]]);
});

import { test } from "node:test";
import net from "node:net";
import assert from "node:assert/strict";
import { startAgentServer, parseListen } from "../../../agent/server/agent-server.ts";
import { createAgentMetrics } from "../../../agent/metrics/agent-metrics.ts";
import { createLogger } from "../../../core/log.ts";

const quiet = createLogger({ write: () => {} });

test("a malformed request target answers 400, not 500", async (t) => {
  const server = await startAgentServer({ listen: "127.0.0.1:0", log: quiet, handlers: { metrics: async () => ({ contentType: "text/plain", body: "" }), notReady: () => undefined } });
  t.after(() => server.close());
  const status = await new Promise<string>((resolve) => {
    const s = net.connect(server.port, "127.0.0.1");
    let got = "";
    s.on("data", (d) => (got += d.toString()));
    s.on("close", () => resolve(got.split("\r\n")[0] ?? ""));
    s.end("GET //[ HTTP/1.1\r\nHost: a\r\n\r\n");
  });
  assert.equal(status, "HTTP/1.1 400 Bad Request");
});

test("listen addresses", () => {
  assert.deepEqual(parseListen(":8080"), { host: undefined, port: 8080 });
  assert.deepEqual(parseListen("127.0.0.1:0"), { host: "127.0.0.1", port: 0 });
  assert.deepEqual(parseListen("[::1]:9090"), { host: "::1", port: 9090 });
  assert.throws(() => parseListen("8080"), /^SlipwayError: listen 8080: is not an address/);
});

test("metrics and probes over real HTTP; no webhook on this port", async (t) => {
  const metrics = createAgentMetrics();
  metrics.reconciled("shop", true, 1.5);
  metrics.reconciled("shop", false, 0.2);
  metrics.ready("shop", true);
  metrics.fetched("manifests", true, 0.1);
  metrics.applied("shop", { created: 3, unchanged: 13 });
  let notReady: string | undefined = "API server: connection refused";
  const server = await startAgentServer({
    listen: "127.0.0.1:0",
    log: quiet,
    handlers: {
      metrics: async () => ({ contentType: metrics.contentType, body: await metrics.render() }),
      notReady: () => notReady,
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

  // Webhooks are the receivers' (own port): the probes port has no /hook route, token or not.
  assert.equal((await fetch(`${base}/hook/manifests`, { method: "POST", headers: { "X-Slipway-Token": "s3cret-token" }, body: JSON.stringify({ revision: "abc" }) })).status, 404);
  assert.equal((await fetch(`${base}/nothing`)).status, 404);
});

// The client's HTTP behaviour against a small local server (127.0.0.1, started and stopped by
// each test): bodies leave byte for byte, 429 Retry-After is honoured, transient failures are
// retried for idempotent methods only, impersonation and User-Agent headers are sent.
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import type { KubeClient } from "../../../agent/kube/kube-client.ts";
import { localClient } from "./local-client.ts";

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

type Reply = (req: Seen, n: number) => { status: number; headers?: Record<string, string>; body: unknown };

async function serve(t: TestContext, reply: Reply): Promise<{ client: KubeClient; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const s: Seen = { method: req.method ?? "", url: req.url ?? "", headers: req.headers, body: Buffer.concat(chunks) };
      seen.push(s);
      const r = reply(s, seen.length);
      res.writeHead(r.status, { "Content-Type": "application/json", ...r.headers });
      res.end(JSON.stringify(r.body));
    });
  });
  const client = await localClient(t, server, { userAgent: "slipway-test/1" });
  return { client, seen };
}

const status = (code: number, reason: string, message: string) => ({ kind: "Status", apiVersion: "v1", status: "Failure", code, reason, message });

test("request bodies leave byte for byte, with the content type, query, token and User-Agent", async (t) => {
  const { client, seen } = await serve(t, () => ({ status: 200, body: { kind: "ConfigMap" } }));
  const body = '{"kind":"Widget","apiVersion":"x.example/v1","metadata":{"name":"w"},  "zzz":{"b":1,"a":[3,2,1]},"unknownField":"kept"}';
  const res = await client.request<{ kind: string }>({ method: "PATCH", path: "/apis/x.example/v1/widgets/w", query: { fieldManager: "slipway", force: "true", dryRun: undefined }, body, contentType: "application/apply-patch+yaml" });
  assert.equal(res.body.kind, "ConfigMap");
  assert.equal(seen.length, 1);
  assert.equal(seen[0]?.body.toString("utf8"), body);
  assert.equal(seen[0]?.url, "/apis/x.example/v1/widgets/w?fieldManager=slipway&force=true");
  assert.equal(seen[0]?.headers["content-type"], "application/apply-patch+yaml");
  assert.equal(seen[0]?.headers.authorization, "Bearer local-test-token-1");
  assert.equal(seen[0]?.headers["user-agent"], "slipway-test/1");
  await client.impersonate("system:serviceaccount:ns:sa").request({ method: "GET", path: "/api/v1/namespaces" });
  assert.equal(seen[1]?.headers["impersonate-user"], "system:serviceaccount:ns:sa");
});

test("429 with Retry-After is waited out and retried", async (t) => {
  const { client, seen } = await serve(t, (_req, n) => (n === 1 ? { status: 429, headers: { "Retry-After": "1" }, body: status(429, "TooManyRequests", "slow down") } : { status: 200, body: { ok: true } }));
  const started = Date.now();
  const res = await client.request<{ ok: boolean }>({ method: "GET", path: "/api/v1/namespaces" });
  assert.deepEqual(res.body, { ok: true });
  assert.equal(seen.length, 2);
  assert.ok(Date.now() - started >= 1000, `retried after ${Date.now() - started} ms`);
});

test("a 503 is retried for GET but a POST is sent once", async (t) => {
  const { client, seen } = await serve(t, (req, n) => (req.method === "GET" && n >= 2 ? { status: 200, body: {} } : { status: 503, body: status(503, "ServiceUnavailable", "etcd is busy") }));
  await client.request({ method: "GET", path: "/api/v1/namespaces" });
  assert.equal(seen.length, 2);
  await assert.rejects(client.request({ method: "POST", path: "/api/v1/namespaces", body: "{}" }), { status: 503, reason: "ServiceUnavailable", apiMessage: "etcd is busy" });
  assert.equal(seen.length, 3);
});

test("a 4xx other than 429 is not retried", async (t) => {
  const { client, seen } = await serve(t, () => ({ status: 422, body: status(422, "Invalid", "spec.replicas: Invalid value") }));
  await assert.rejects(client.request({ method: "PATCH", path: "/x", body: "{}" }), { status: 422, reason: "Invalid" });
  assert.equal(seen.length, 1);
});

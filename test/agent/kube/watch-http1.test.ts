// Watches of an https server that speaks only HTTP/1.1 (a proxy or gateway in front of the API
// server): the first watch finds HTTP/2 refused, and from then on every watch has an HTTP/1.1
// connection of its own, as before watches shared one HTTP/2 connection.
import { test } from "node:test";
import assert from "node:assert/strict";
import https from "node:https";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { run } from "../../../core/exec.ts";
import type { WatchEvent } from "../../../agent/kube/kube-client.ts";
import { localClient } from "./local-client.ts";

test("an https server without HTTP/2: the watch that finds it out fails, the next one is served over HTTP/1.1", async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), "slipway-watch-h1-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const key = path.join(dir, "key.pem");
  const cert = path.join(dir, "cert.pem");
  await run("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"]);
  const protocols: string[] = [];
  // Node's https server offers only http/1.1 over ALPN and refuses a client that asks for h2 alone.
  const server = https.createServer({ key: readFileSync(key), cert: readFileSync(cert) }, (req, res) => {
    protocols.push(`HTTP/${req.httpVersion}`);
    res.writeHead(200, { "Content-Type": "application/json" });
    res.end(`${JSON.stringify({ type: "ADDED", object: { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "a", resourceVersion: "2" } } })}\n`);
  });
  const client = await localClient(t, server, { ca: readFileSync(cert) });
  const watch = client.watch?.bind(client);
  assert.ok(watch, "the client can watch");
  const req = { path: "/api/v1/namespaces/w/configmaps", idleTimeoutMs: 10_000 };

  await assert.rejects(watch(req, () => undefined), /cannot reach https:\/\/127\.0\.0\.1:\d+/, "the first watch finds HTTP/2 refused");
  const events: WatchEvent[] = [];
  await watch(req, (e) => events.push(e));
  assert.deepEqual(events.map((e) => `${e.type} ${e.object.metadata?.name ?? ""}`), ["ADDED a"]);
  await watch(req, (e) => events.push(e));
  assert.equal(events.length, 2);
  assert.deepEqual(protocols, ["HTTP/1.1", "HTTP/1.1"], "both served over HTTP/1.1");
});

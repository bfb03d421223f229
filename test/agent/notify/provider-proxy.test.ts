/**
 * A Provider's proxy, through a real proxy (Debian's tinyproxy) that requires credentials: a
 * running agent sends the events of its sync through it (CONNECT, in the proxy's log), the
 * receiver gets them, and neither the address, the token nor the proxy's credentials appear in
 * the agent's log. A `spec.proxy` that is no URL is an error naming the Provider and the field.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { integration, createGitRepo, createNamespace, kubectl } from "../../env/harness.ts";
import { startTinyproxy } from "../../env/tinyproxy.ts";
import { agentArgs, cacheDir, eventually, startAgent, writeConfig } from "../e2e/agent-process.ts";
import { readStatus } from "../e2e/parent-status.ts";
import { readNotificationObjects } from "../../../agent/notify/notification-specs.ts";

test("Provider spec.proxy: an http(s) URL or an error naming the field (never echoing the value)", () => {
  const provider = (proxy: unknown) => ({ apiVersion: "notification.toolkit.fluxcd.io/v1beta3", kind: "Provider", metadata: { name: "p", namespace: "n" }, spec: { type: "generic", address: "https://hooks.example/x", proxy } });
  assert.equal(readNotificationObjects([provider("http://proxy.internal:3128")]).providers[0]?.proxy, "http://proxy.internal:3128");
  const bad = readNotificationObjects([provider("socks5://u:secret-pw@proxy:1080")]);
  assert.deepEqual(bad.errors, ["Provider/n/p: spec.proxy: is not an http:// or https:// URL"]);
  assert.deepEqual(bad.warnings, [], "no 'not supported' warning any more");
});

test("notifications go through the Provider's proxy; address, token and proxy credentials are never logged", async (t) => {
  const env = integration(t);
  if (!env) return;
  const received: { path: string; body: string }[] = [];
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      received.push({ path: req.url ?? "", body });
      res.writeHead(200).end("{}");
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  t.after(() => server.close());
  const receiverPort = (server.address() as AddressInfo).port;
  const proxyAuth = { user: "notifier", password: "proxy-pw-5f31c2" };
  const proxy = await startTinyproxy(t, { auth: proxyAuth });
  const address = `http://127.0.0.1:${receiverPort}/hook-path-93d1`;
  const token = "hmac-token-77ab04";

  const agentNs = await createNamespace(env, t, "slipway-proxy");
  await kubectl(env, ["create", "secret", "generic", "hook", "-n", agentNs, `--from-literal=address=${address}`, `--from-literal=token=${token}`, `--from-literal=proxy=http://${proxyAuth.user}:${proxyAuth.password}@127.0.0.1:${proxy.port}`]);
  const notify = `apiVersion: notification.toolkit.fluxcd.io/v1beta3
kind: Provider
metadata: { name: hook, namespace: ${agentNs} }
spec:
  type: generic-hmac
  secretRef: { name: hook }
---
apiVersion: notification.toolkit.fluxcd.io/v1beta3
kind: Alert
metadata: { name: hook, namespace: ${agentNs} }
spec:
  providerRef: { name: hook }
  eventSources: [{ kind: Kustomization, name: "*" }]
`;
  const repo = await createGitRepo(env, t, { files: { "apps/cm.yaml": `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: settings, namespace: ${agentNs} }\ndata: { k: v }\n`, "apps/notify.yaml": notify } });
  const config = writeConfig(`namespace: ${agentNs}
logLevel: debug
listen: "127.0.0.1:0"
sources:
  - { name: manifests, url: "${repo.httpUrl}", ref: { branch: main }, interval: 1h }
syncs:
  - { name: apps, sourceRef: manifests, path: ./apps, interval: 1h, timeout: 1m }
`);
  const agent = startAgent(t, agentArgs(env, config, cacheDir()));
  await Promise.race([agent.port, agent.exited.then((c) => Promise.reject(new Error(`agent exited ${c}: ${agent.logs()}`)))]);
  await eventually("first apply", async () => ((await readStatus(env, agentNs, "apps"))?.ready === "True" ? true : undefined));
  await eventually("the change set at the receiver", async () => (received.some((r) => r.path === "/hook-path-93d1" && r.body.includes('"ReconciliationSucceeded"')) ? true : undefined), 30_000);
  await eventually("the delivery logged", async () => (/Provider\/[^/]+\/hook: event ReconciliationSucceeded [^"]* delivered/.test(agent.logs()) ? true : undefined), 30_000);

  assert.match(proxy.log(), new RegExp(`CONNECT[^\\n]*127\\.0\\.0\\.1:${receiverPort}`), `the proxy tunnelled the request:\n${proxy.log()}`);
  const logs = agent.logs();
  for (const secret of [address, "hook-path-93d1", `127.0.0.1:${receiverPort}`, token, proxyAuth.password, `127.0.0.1:${proxy.port}`]) assert.ok(!logs.includes(secret), `${secret} is not logged`);
});

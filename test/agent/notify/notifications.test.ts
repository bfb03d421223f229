/**
 * Notifications from Provider and Alert objects in git, delivered by a running agent on the real
 * control plane to local HTTP receivers started here: Flux's event payload to `generic`, signed
 * to `generic-hmac` (signature checked), Slack's JSON, GitHub's commit status REST call (path,
 * auth header, body), also on the app commit a Slipway-Source trailer names. One event per change, none on a no-op reconcile, retried when a receiver
 * fails; a Provider whose Secret is missing, an unreachable one and a malformed Alert are
 * reported by name, never fail the sync, and leak nothing.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { integration, createGitRepo, createNamespace, kubectl } from "../../env/harness.ts";
import { agentArgs, cacheDir, eventually, runSlipway, startAgent, writeConfig } from "../e2e/agent-process.ts";
import { readStatus } from "../e2e/parent-status.ts";
import { pushChanges } from "../e2e/git-push.ts";

interface Received {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

const hmacKey = "hmac-key-8e2d41c7";
const githubToken = "ghp_notifytoken0123456789";

test("notifications: Flux payloads to generic, generic-hmac, slack; GitHub commit statuses; one per change, retried, bad providers reported", async (t) => {
  const env = integration(t);
  if (!env) return;
  const received: Received[] = [];
  let flakyFailures = 2;
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      received.push({ path: req.url ?? "", headers: req.headers, body });
      if (req.url === "/flaky" && flakyFailures-- > 0) return res.writeHead(503).end();
      res.writeHead(req.url?.includes("/statuses/") ? 201 : 200).end("{}");
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  t.after(() => server.close());
  const hooks = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // A port nobody listens on: bound once, then closed.
  const closed = http.createServer();
  await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
  const deadPort = (closed.address() as AddressInfo).port;
  await new Promise<void>((r) => closed.close(() => r()));

  const agentNs = await createNamespace(env, t, "slipway-notify");
  const appNs = await createNamespace(env, t, "notify-apps");
  await kubectl(env, ["create", "secret", "generic", "hmac", "-n", agentNs, `--from-literal=token=${hmacKey}`]);
  await kubectl(env, ["create", "secret", "generic", "github", "-n", agentNs, `--from-literal=token=${githubToken}`]);
  const provider = (name: string, type: string, extra: string) => `---
apiVersion: notification.toolkit.fluxcd.io/v1beta3
kind: Provider
metadata: { name: ${name}, namespace: ${agentNs} }
spec:
  type: ${type}
${extra}`;
  const alert = (name: string, providerName: string, extra = "") => `---
apiVersion: notification.toolkit.fluxcd.io/v1beta2
kind: Alert
metadata: { name: ${name}, namespace: ${agentNs} }
spec:
  providerRef: { name: ${providerName} }
  eventSources: [{ kind: Kustomization, name: "*" }]
${extra}`;
  const notify = [
    provider("generic", "generic", `  address: ${hooks}/generic\n`),
    provider("hmac", "generic-hmac", `  address: ${hooks}/hmac\n  secretRef: { name: hmac }\n`),
    provider("slack", "slack", `  address: ${hooks}/slack\n  channel: deploys\n  username: slipway\n`),
    provider("github", "github", `  address: ${hooks}/acme/shop-manifests\n  secretRef: { name: github }\n`),
    provider("flaky", "generic", `  address: ${hooks}/flaky\n`),
    provider("missing-secret", "generic", `  address: ${hooks}/never\n  secretRef: { name: nope }\n`),
    provider("unreachable", "generic", `  address: http://127.0.0.1:${deadPort}/secret-path-4711\n  timeout: 2s\n`),
    alert("generic", "generic", "  summary: shop in eks\n  eventMetadata: { cluster: eks }\n"),
    alert("hmac", "hmac"),
    alert("slack", "slack", "  exclusionList: ['^Health check passed']\n"),
    alert("github", "github"),
    alert("flaky", "flaky", "  eventSeverity: error\n"),
    alert("missing-secret", "missing-secret"),
    alert("unreachable", "unreachable"),
    alert("malformed", "generic", "  eventSeverity: loud\n"),
  ].join("");
  const cm = (value: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: ${appNs}\ndata:\n  k: "${value}"\n`;
  const repo = await createGitRepo(env, t, { files: { "apps/settings.yaml": cm("one"), "apps/notify.yaml": notify } });
  const config = writeConfig(`namespace: ${agentNs}
listen: "127.0.0.1:0"
sources:
  - { name: manifests, url: "${repo.httpUrl}", ref: { branch: main }, interval: 1h }
syncs:
  - { name: apps, sourceRef: manifests, path: ./apps, interval: 1h, timeout: 1m, retryInterval: 1h }
`);
  const agent = startAgent(t, agentArgs(env, config, cacheDir()));
  await Promise.race([agent.port, agent.exited.then((c) => Promise.reject(new Error(`agent exited ${c}: ${agent.logs()}`)))]);
  await eventually("first apply", async () => ((await readStatus(env, agentNs, "apps"))?.ready === "True" ? true : undefined));
  const sha1 = ((await readStatus(env, agentNs, "apps"))?.lastAppliedRevision ?? "").replace("main@sha1:", "");
  const events = (path: string) => received.filter((r) => r.path === path).map((r) => JSON.parse(r.body) as { reason: string; severity: string; message: string; metadata: Record<string, string>; involvedObject: Record<string, string> });

  await eventually("the first change set at the generic receiver", async () => (events("/generic").some((e) => e.reason === "ReconciliationSucceeded") ? true : undefined), 30_000);
  // A no-op reconcile sends nothing; the next commit's events arrive after anything it would have sent.
  const again = await runSlipway(["reconcile", "apps", "-n", agentNs, "--kubeconfig", env.kubeconfig, "--timeout", "1m"]);
  assert.equal(again.code, 0, again.stderr);
  const appSha = "5".repeat(40);
  const sha2 = await pushChanges(repo, "main", { "apps/settings.yaml": cm("two") }, `slipway: update account [ci skip]\n\nSlipway-Source: ${hooks}/acme/account@${appSha}\nSlipway-Image: registry.example/shop/account:20260101000000@sha256:${"e".repeat(64)}\n`);
  // The agent fetches at once when asked (its source interval is 1h); a failing reconcile exits non-zero, which the checks below look at.
  await runSlipway(["reconcile", "apps", "--with-source", "-n", agentNs, "--kubeconfig", env.kubeconfig, "--timeout", "1m"]);
  await eventually("the second change set", async () => (events("/generic").some((e) => e.reason === "ReconciliationSucceeded" && e.metadata.revision === `main@sha1:${sha2}`) ? true : undefined), 30_000);

  const generic = events("/generic");
  const first = generic.filter((e) => e.metadata.revision === `main@sha1:${sha1}`);
  assert.deepEqual(first.map((e) => e.reason).sort(), [...new Set(first.map((e) => e.reason))].sort(), "one event per reason and revision: none from the no-op reconcile");
  const change = generic.find((e) => e.reason === "ReconciliationSucceeded" && e.metadata.revision === `main@sha1:${sha2}`);
  assert.deepEqual(change?.involvedObject, { apiVersion: "kustomize.toolkit.fluxcd.io/v1", kind: "Kustomization", namespace: agentNs, name: "apps" });
  assert.equal(change?.severity, "info");
  assert.match(change?.message ?? "", new RegExp(`ConfigMap/${appNs}/settings configured`));
  assert.equal(change?.metadata.summary, "shop in eks");
  assert.equal(change?.metadata.cluster, "eks");
  assert.equal(change?.metadata.image, `registry.example/shop/account:20260101000000@sha256:${"e".repeat(64)}`, "the image the CI step delivered in that revision");
  assert.ok(first.every((e) => e.metadata.image === undefined), "no image on a revision without a Slipway-Image trailer");

  // generic-hmac: the signature is the HMAC-SHA256 of the exact body.
  const signed = received.filter((r) => r.path === "/hmac");
  assert.ok(signed.length >= 2);
  for (const r of signed) assert.equal(r.headers["x-signature"], `sha256=${createHmac("sha256", hmacKey).update(r.body).digest("hex")}`);

  // Slack: the attachment message, the health line excluded by the Alert.
  const slack = received.filter((r) => r.path === "/slack").map((r) => JSON.parse(r.body) as { channel: string; username: string; attachments: { color: string; author_name: string; text: string }[] });
  assert.ok(slack.length >= 2);
  assert.equal(slack[0]?.channel, "deploys");
  assert.equal(slack[0]?.username, "slipway");
  assert.equal(slack[0]?.attachments[0]?.author_name, `kustomization/apps.${agentNs}`);
  assert.ok(slack.every((s) => !/^Health check passed/.test(s.attachments[0]?.text ?? "")), "exclusionList applies");

  // GitHub: pending then success on the manifest commit, with the sync as the context.
  await eventually("GitHub success on the second commit", async () => (received.some((r) => r.path === `/api/v3/repos/acme/shop-manifests/statuses/${sha2}` && r.body.includes('"success"')) ? true : undefined), 30_000);
  const statuses = received.filter((r) => r.path === `/api/v3/repos/acme/shop-manifests/statuses/${sha2}`);
  assert.deepEqual(statuses.map((r) => (JSON.parse(r.body) as { state: string }).state), ["pending", "success"]);
  for (const r of statuses) {
    assert.equal(r.headers.authorization, `Bearer ${githubToken}`);
    assert.equal((JSON.parse(r.body) as { context: string }).context, "kustomization/apps");
  }

  // The app commit named by the manifest commit's Slipway-Source trailer gets the same statuses.
  await eventually("GitHub success on the app commit", async () => (received.some((r) => r.path === `/api/v3/repos/acme/account/statuses/${appSha}` && r.body.includes('"success"')) ? true : undefined), 30_000);
  const appStatuses = received.filter((r) => r.path === `/api/v3/repos/acme/account/statuses/${appSha}`);
  assert.deepEqual(appStatuses.map((r) => (JSON.parse(r.body) as { state: string }).state), ["pending", "success"]);
  assert.equal(appStatuses[1]?.headers.authorization, `Bearer ${githubToken}`);
  assert.match((JSON.parse(appStatuses[1]?.body ?? "{}") as { description: string }).description, /^deployed by apps: Applied revision: main@sha1:/);

  // A failure: one error event (also to the error-only Alert, whose receiver fails twice first), the sync carries on.
  await pushChanges(repo, "main", { "apps/broken.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: [not, a, map]\n" });
  // The agent fetches at once when asked (its source interval is 1h); a failing reconcile exits non-zero, which the checks below look at.
  await runSlipway(["reconcile", "apps", "--with-source", "-n", agentNs, "--kubeconfig", env.kubeconfig, "--timeout", "1m"]);
  await eventually("the failure at the flaky receiver, after two 503s", async () => (received.filter((r) => r.path === "/flaky").length >= 3 ? true : undefined), 30_000);
  const flaky = received.filter((r) => r.path === "/flaky");
  assert.equal(new Set(flaky.map((r) => r.body)).size, 1, "the same event, retried");
  assert.equal((JSON.parse(flaky[0]?.body ?? "{}") as { severity: string }).severity, "error");
  await eventually("the failure at the generic receiver", async () => (events("/generic").some((e) => e.severity === "error") ? true : undefined), 30_000);
  assert.equal(events("/generic").filter((e) => e.severity === "error").length, 1);
  assert.equal(received.filter((r) => r.path === "/never").length, 0);

  // The unreachable Provider gives up only after its last backoff (1 s + 2 s + 4 s): wait for that line.
  const undelivered = /Provider\/[^/]+\/unreachable: event [^"]* not delivered after 4 attempts: ECONNREFUSED/;
  await eventually("the unreachable Provider to give up", async () => (undelivered.test(agent.logs()) ? true : undefined), 30_000);
  const logs = agent.logs();
  assert.match(logs, /Provider\/[^/]+\/missing-secret: event [^"]* not sent: [^"]*Secret\/[^/]+\/nope/);
  assert.match(logs, undelivered);
  assert.match(logs, /Alert\/[^/]+\/malformed: spec.eventSeverity: \\?"loud\\?" is not info or error/);
  for (const secret of [hmacKey, githubToken, "secret-path-4711"]) assert.ok(!logs.includes(secret), `${secret} is not logged`);
});

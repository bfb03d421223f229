/**
 * The webhook receivers over real HTTP: GitHub (signature, ping, push for the source's branch,
 * replayed delivery), GitLab (token), generic HMAC, the CI step's signed call; a receiver
 * without a secret refused at load and at start; 413 for a 10 MiB body, 429 under a flood while
 * other clients' calls and mounted routes keep answering; nothing triggered by a refused call.
 */
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { createLogger } from "../../../core/log.ts";
import { validateConfig } from "../../../agent/config/load-config.ts";
import { startReceiverServer, type ReceiverServerOptions } from "../../../agent/receivers/receiver-server.ts";
import { hmacSha256, slipwaySignatureHeaders } from "../../../agent/receivers/verify-call.ts";

const secret = "It's a Secret to Everybody";

async function serve(t: TestContext, extra: Partial<ReceiverServerOptions> = {}) {
  const triggered: string[] = [];
  const server = await startReceiverServer({
    listen: "127.0.0.1:0",
    endpoints: [
      { name: "github", type: "github", secretRef: { name: "gh" }, sources: ["manifests", "other"] },
      { name: "gitlab", type: "gitlab", secretRef: { name: "gl" } },
      { name: "bitbucket", type: "generic-hmac", secretRef: { name: "bb" }, sources: ["manifests"] },
      { name: "ci", type: "slipway", secretRef: { name: "ci" } },
    ],
    secrets: new Map(["github", "gitlab", "bitbucket", "ci"].map((n) => [n, secret])),
    sources: () => [{ name: "manifests", branch: "eks" }, { name: "other", branch: "main" }],
    trigger: (source) => {
      triggered.push(source);
      return true;
    },
    log: createLogger({ level: "error" }),
    ...extra,
  });
  t.after(() => server.close());
  return { base: `http://127.0.0.1:${server.port}`, triggered };
}

const post = (url: string, body: string, headers: Record<string, string>) => fetch(url, { method: "POST", body, headers: { "content-type": "application/json", ...headers } });

test("github: ping answered, push of the source's branch triggers it, wrong/missing signature 401, replayed delivery 403", async (t) => {
  const { base, triggered } = await serve(t);
  const url = `${base}/hook/github`;
  const ping = JSON.stringify({ zen: "Keep it logically awesome." });
  const pong = await post(url, ping, { "X-GitHub-Event": "ping", "X-GitHub-Delivery": randomUUID(), "X-Hub-Signature-256": hmacSha256(secret, ping) });
  assert.equal(pong.status, 200);
  assert.deepEqual(await pong.json(), { pong: true });
  const push = JSON.stringify({ ref: "refs/heads/eks", after: "0123456789abcdef0123456789abcdef01234567" });
  const delivery = randomUUID();
  const ok = await post(url, push, { "X-GitHub-Event": "push", "X-GitHub-Delivery": delivery, "X-Hub-Signature-256": hmacSha256(secret, push) });
  assert.equal(ok.status, 202);
  assert.deepEqual(await ok.json(), { triggered: ["manifests"] });
  assert.equal((await post(url, push, { "X-GitHub-Event": "push", "X-GitHub-Delivery": delivery, "X-Hub-Signature-256": hmacSha256(secret, push) })).status, 403, "the same delivery again");
  assert.equal((await post(url, push, { "X-GitHub-Event": "push", "X-GitHub-Delivery": randomUUID(), "X-Hub-Signature-256": hmacSha256("wrong", push) })).status, 401);
  assert.equal((await post(url, push, { "X-GitHub-Event": "push", "X-GitHub-Delivery": randomUUID() })).status, 401);
  const tampered = push.replace("eks", "main");
  const refused = await post(url, tampered, { "X-GitHub-Event": "push", "X-GitHub-Delivery": randomUUID(), "X-Hub-Signature-256": hmacSha256(secret, push) });
  assert.equal(refused.status, 401);
  assert.equal(await refused.text(), "unauthorized\n", "no detail for the caller");
  const tag = JSON.stringify({ ref: "refs/tags/v1" });
  assert.equal((await post(url, tag, { "X-GitHub-Event": "push", "X-GitHub-Delivery": randomUUID(), "X-Hub-Signature-256": hmacSha256(secret, tag) })).status, 200);
  const issue = JSON.stringify({ action: "opened" });
  assert.equal((await post(url, issue, { "X-GitHub-Event": "issues", "X-GitHub-Delivery": randomUUID(), "X-Hub-Signature-256": hmacSha256(secret, issue) })).status, 200);
  assert.deepEqual(triggered, ["manifests"], "only the verified push of branch eks triggered");
});

test("gitlab token, generic HMAC and the CI step's signed call; unknown receivers and sources 404", async (t) => {
  const { base, triggered } = await serve(t);
  const push = JSON.stringify({ ref: "refs/heads/main" });
  assert.equal((await post(`${base}/hook/gitlab`, push, { "X-Gitlab-Event": "Push Hook", "X-Gitlab-Token": "nope" })).status, 401);
  assert.equal((await post(`${base}/hook/gitlab`, push, { "X-Gitlab-Event": "Push Hook", "X-Gitlab-Token": secret })).status, 202);
  const any = '{"eventKey":"repo:refs_changed"}';
  assert.equal((await post(`${base}/hook/bitbucket`, any, { "X-Signature": hmacSha256(secret, "other body") })).status, 401);
  assert.equal((await post(`${base}/hook/bitbucket`, any, { "X-Signature": hmacSha256(secret, any) })).status, 202);
  const ci = JSON.stringify({ revision: "eks@sha1:abc", branch: "eks" });
  const now = Math.floor(Date.now() / 1000);
  assert.equal((await post(`${base}/hook/ci`, ci, slipwaySignatureHeaders(secret, ci, now))).status, 202);
  assert.equal((await post(`${base}/hook/ci`, ci, slipwaySignatureHeaders(secret, ci, now))).status, 403, "a replayed CI call");
  assert.equal((await post(`${base}/hook/ci`, ci, slipwaySignatureHeaders(secret, ci, now - 3600))).status, 403, "a stale timestamp");
  assert.equal((await post(`${base}/hook/ci`, ci, {})).status, 401);
  const unknown = JSON.stringify({ source: "does-not-exist" });
  assert.equal((await post(`${base}/hook/ci`, unknown, slipwaySignatureHeaders(secret, unknown, now + 1))).status, 404);
  assert.equal((await post(`${base}/hook/nobody`, "{}", {})).status, 404);
  assert.equal((await fetch(`${base}/hook/ci`)).status, 405);
  assert.deepEqual(triggered, ["other", "manifests", "manifests"]);
});

test("a 10 MiB body is 413 before it is read; a flood is 429 while other clients and mounted routes answer", async (t) => {
  const { base, triggered } = await serve(t, {
    rateLimit: { burst: 10, perSecond: 1 },
    routes: [
      (req, res, url) => {
        if (url.pathname !== "/api/v1/status") return false;
        res.writeHead(200, { "content-type": "application/json" }).end('{"ok":true}');
        return true;
      },
    ],
  });
  const big = "x".repeat(10 * 1024 * 1024);
  assert.equal((await post(`${base}/hook/ci`, big, slipwaySignatureHeaders(secret, big, Math.floor(Date.now() / 1000)))).status, 413);
  const statuses = await Promise.all(Array.from({ length: 200 }, () => post(`${base}/hook/github`, "{}", { "X-GitHub-Event": "push" }).then((r) => r.status)));
  assert.ok(statuses.filter((s) => s === 429).length >= 180, `mostly 429: ${statuses.filter((s) => s === 429).length}`);
  assert.ok(statuses.every((s) => s === 429 || s === 401));
  assert.equal((await fetch(`${base}/api/v1/status`)).status, 200, "a mounted route still answers");
  // Another receiver (its own bucket) still takes a verified call.
  const push = JSON.stringify({ ref: "refs/heads/main" });
  assert.equal((await post(`${base}/hook/gitlab`, push, { "X-Gitlab-Event": "Push Hook", "X-Gitlab-Token": secret })).status, 202);
  assert.deepEqual(triggered, ["other"], "nothing refused triggered");
});

test("a receiver without a secret is refused at load (file:line) and at start, unless open", async () => {
  const cfg = (endpoint: string) => `sources: []\nsyncs: []\nreceivers:\n  endpoints:\n    - ${endpoint}\n`;
  const bad = validateConfig(cfg("{ name: github, type: github }"));
  assert.equal(bad.config, undefined);
  assert.match(bad.issues.map((i) => `${i.line}: ${i.message}`).join("\n"), /5: .*has no secretRef: give it a Secret \(key token\), or set open: true/);
  assert.deepEqual(validateConfig(cfg("{ name: github, type: github, open: true }")).issues, []);
  assert.match(validateConfig(cfg("{ name: github, type: bitbucket, open: true }")).issues[0]?.message ?? "", /"bitbucket" is not one of github, gitlab, generic-hmac, slipway/);
  await assert.rejects(
    startReceiverServer({ listen: "127.0.0.1:0", endpoints: [{ name: "gh", type: "github", secretRef: { name: "x" } }], secrets: new Map(), sources: () => [], trigger: () => true, log: createLogger({ level: "error" }) }),
    /^SlipwayError: receivers gh: has no secret/,
  );
});

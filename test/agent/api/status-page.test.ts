/**
 * The agent's status page in headless Chromium against a running agent on the real control plane:
 * the token is exchanged once for an HttpOnly SameSite=Strict cookie (and dropped from the
 * address), the page shows each sync's state, objects, images and events, and refreshes itself
 * without a reload: after a commit whose Deployment cannot be scheduled yet the sync shows
 * Progressing, and once a node matches it shows Ready with the new image. The screenshot the
 * README shows is taken here (written to $SLIPWAY_SCREENSHOT when set).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, copyFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { integration, createGitRepo, createNamespace, kubectl, uniqueName } from "../../env/harness.ts";
import { launchChromium } from "../../env/chromium.ts";
import { agentArgs, cacheDir, eventually, runSlipway, startAgent, writeConfig } from "../e2e/agent-process.ts";
import { readStatus } from "../e2e/parent-status.ts";
import { pushChanges } from "../e2e/git-push.ts";
import { commitUrl, escapeHtml, sessionMatches, sessionValue, stateOf } from "../../../agent/api/status-page.ts";

const token = "page-token-7c2e9a41d0";

/** The little of the DOM the page functions below use (the project compiles without the DOM library). */
interface Doc {
  querySelector(selector: string): { textContent: string | null } | null;
}

const deployment = (tag: string, nodeSelector?: Record<string, string>): string => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 1
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec:
${nodeSelector ? `      nodeSelector: ${JSON.stringify(nodeSelector)}\n` : ""}      containers:
        - { name: app, image: "registry.invalid/shop/web:${tag}" }
`;

test("commitUrl: GitHub, GitLab, Bitbucket and CodeCommit commit pages; none for unknown hosts", () => {
  const sha = "0123456789abcdef0123456789abcdef01234567";
  assert.equal(commitUrl("https://github.com/acme/manifests.git", sha), `https://github.com/acme/manifests/commit/${sha}`);
  assert.equal(commitUrl("ssh://git@github.com/acme/manifests", sha), `https://github.com/acme/manifests/commit/${sha}`);
  assert.equal(commitUrl("git@github.com:acme/manifests.git", sha), `https://github.com/acme/manifests/commit/${sha}`);
  assert.equal(commitUrl("https://user:secret@gitlab.com/g/sub/repo.git", sha), `https://gitlab.com/g/sub/repo/-/commit/${sha}`);
  assert.equal(commitUrl("https://bitbucket.org/acme/repo", sha), `https://bitbucket.org/acme/repo/commits/${sha}`);
  assert.equal(
    commitUrl("https://git-codecommit.eu-west-1.amazonaws.com/v1/repos/manifests", sha),
    `https://eu-west-1.console.aws.amazon.com/codesuite/codecommit/repositories/manifests/commit/${sha}?region=eu-west-1`,
  );
  assert.equal(commitUrl("http://127.0.0.1:8080/repo.git", sha), undefined);
  assert.equal(commitUrl("https://github.com/acme/manifests", "not-a-sha"), undefined);
});

test("session cookie: an HMAC keyed by the token, never the token; only the exact value matches", () => {
  const v = sessionValue(token);
  assert.ok(!v.includes(token));
  assert.notEqual(v, sessionValue(`${token}x`));
  assert.equal(sessionMatches(`a=b; slipway_status=${v}`, token), true);
  assert.equal(sessionMatches(`slipway_status=${v}x`, token), false);
  assert.equal(sessionMatches(`slipway_status=${token}`, token), false);
  assert.equal(sessionMatches(undefined, token), false);
  assert.equal(escapeHtml(`<a href="x">'&`), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;");
  assert.equal(stateOf({ name: "a", suspended: false, ready: "Unknown" }), "Progressing");
  assert.equal(stateOf({ name: "a", suspended: true, ready: "True" }), "Suspended");
});

test("status page in Chromium: token → cookie, Progressing → Ready after a commit without a reload, screenshot", async (t) => {
  const env = integration(t);
  if (!env) return;
  const agentNs = await createNamespace(env, t, "slipway-page");
  const appNs = await createNamespace(env, t, "page-apps");
  const repo = await createGitRepo(env, t, { files: { "apps/web.yaml": deployment("1.0.0"), "apps/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  k: v\n" } });
  const config = writeConfig(`namespace: ${agentNs}
listen: "127.0.0.1:0"
sources:
  - { name: manifests, url: "${repo.httpUrl}", ref: { branch: main }, interval: 1h }
syncs:
  - { name: apps, sourceRef: manifests, path: ./apps, targetNamespace: ${appNs}, interval: 1h, timeout: 3m }
`);
  process.env.SLIPWAY_API_TOKEN = token;
  const agent = startAgent(t, agentArgs(env, config, cacheDir()));
  delete process.env.SLIPWAY_API_TOKEN;
  const port = await Promise.race([agent.port, agent.exited.then((c) => Promise.reject(new Error(`agent exited ${c}: ${agent.logs()}`)))]);
  const base = `http://127.0.0.1:${port}`;
  await eventually("first apply", async () => ((await readStatus(env, agentNs, "apps"))?.ready === "True" ? true : undefined));

  // Without a session: the sign-in page, never the content; a wrong token is refused.
  const anon = await fetch(`${base}/status`);
  assert.equal(anon.status, 401);
  assert.doesNotMatch(await anon.text(), /data-sync=/);
  assert.equal((await fetch(`${base}/status/fragment`)).status, 401);
  assert.equal((await fetch(`${base}/status?token=wrong`, { redirect: "manual" })).status, 401);
  const signIn = await fetch(`${base}/status?token=${token}`, { redirect: "manual" });
  assert.equal(signIn.status, 303);
  assert.equal(signIn.headers.get("location"), "/status");
  const cookie = signIn.headers.get("set-cookie") ?? "";
  assert.match(cookie, /^slipway_status=[^;]+; Path=\/status; HttpOnly; SameSite=Strict/);
  assert.ok(!cookie.includes(token), "the cookie does not carry the token");
  assert.equal((await fetch(`${base}/status/fragment`, { headers: { cookie: cookie.split(";")[0] ?? "" } })).status, 200);
  assert.equal((await fetch(`${base}/api/v1/syncs`, { headers: { cookie: cookie.split(";")[0] ?? "" } })).status, 401, "the cookie is no API credential");

  const browser = await launchChromium(t);
  const page = await browser.newPage({ viewport: { width: 1000, height: 800 } });
  const failed: string[] = [];
  page.on("requestfailed", (r) => failed.push(r.url()));
  page.on("console", (m) => {
    if (m.type() === "error") failed.push(m.text());
  });
  await page.goto(`${base}/status?token=${token}`);
  assert.equal(page.url(), `${base}/status`, "the token leaves the address bar");
  const stateSel = '[data-sync="apps"] .state';
  assert.equal(await page.textContent(stateSel), "Ready");
  const card = async (): Promise<string> => (await page.textContent('[data-sync="apps"]')) ?? "";
  assert.match(await card(), new RegExp(`Deployment/${appNs}/web`));
  assert.match(await card(), /registry\.invalid\/shop\/web\s*1\.0\.0/);
  assert.match(await card(), /ReconciliationSucceeded/);
  // A mark that a reload would erase: the refreshes below must keep it.
  await page.evaluate(() => ((globalThis as unknown as { slipwayMark: number }).slipwayMark = 1));

  const label = uniqueName("page");
  const sha = await pushChanges(repo, "main", { "apps/web.yaml": deployment("1.1.0", { "slipway.test/status-page": label }) }, "web 1.1.0");
  const reconciled = runSlipway(["reconcile", "apps", "--with-source", "-n", agentNs, "--kubeconfig", env.kubeconfig, "--timeout", "150s"]);
  await page.waitForFunction(([sel, want]) => (globalThis as unknown as { document: Doc }).document.querySelector(sel)?.textContent === want, [stateSel, "Progressing"] as const, { timeout: 60_000 });
  assert.match(await card(), new RegExp(`sha1:${sha}`), "the attempted revision is shown");

  // A node now matches the Deployment's nodeSelector: it becomes available and the sync Ready.
  const node = (await kubectl(env, ["get", "nodes", "-o", "jsonpath={.items[0].metadata.name}"])).trim();
  await kubectl(env, ["label", "node", node, `slipway.test/status-page=${label}`]);
  t.after(() => kubectl(env, ["label", "node", node, "slipway.test/status-page-"]).then(() => undefined, () => undefined));
  await page.waitForFunction(([sel, want]) => (globalThis as unknown as { document: Doc }).document.querySelector(sel)?.textContent === want, [stateSel, "Ready"] as const, { timeout: 90_000 });
  const rec = await reconciled;
  assert.equal(rec.code, 0, rec.stderr);
  assert.equal(await page.evaluate(() => (globalThis as unknown as { slipwayMark?: number }).slipwayMark), 1, "refreshed without a reload");
  await page.waitForFunction(() => /web\s*1\.1\.0/.test((globalThis as unknown as { document: Doc }).document.querySelector('[data-sync="apps"] table.images')?.textContent ?? ""), undefined, { timeout: 30_000 });
  const text = await card();
  assert.match(text, new RegExp(`Applied revision\\s*main@sha1:${sha}`));
  assert.match(text, /Last change set\s*\d+ (configured|unchanged)/);
  assert.match((await page.textContent('[data-sync="apps"] table.events')) ?? "", new RegExp(`ReconciliationSucceededDeployment/${appNs}/web configured`), "recent events are listed");
  assert.deepEqual(failed, [], "no request failed and no script error (CSP, external assets)");

  const dir = mkdtempSync(path.join(tmpdir(), "slipway-page-shot-"));
  const shot = path.join(dir, "status-page.png");
  await page.screenshot({ path: shot, fullPage: true });
  const png = readFileSync(shot);
  assert.equal(png.subarray(1, 4).toString(), "PNG");
  if (process.env.SLIPWAY_SCREENSHOT) copyFileSync(shot, process.env.SLIPWAY_SCREENSHOT);

  const html = await page.content();
  assert.ok(!html.includes(token) && !agent.logs().includes(token), "the token reaches neither the page nor the log");
});

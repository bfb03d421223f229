/**
 * The agent's read-only status API against a running agent on the real control plane: a bearer
 * token is required (none or a wrong one is a 401, and the token is never logged), the list is
 * what `slipway get -o json` prints plus path and repository, and a sync's entry carries the
 * live health of every member of its set.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { integration, createGitRepo, createNamespace } from "../../env/harness.ts";
import { agentArgs, cacheDir, eventually, runSlipway, startAgent, writeConfig } from "../e2e/agent-process.ts";
import { readStatus } from "../e2e/parent-status.ts";
import { bearerMatches } from "../../../agent/api/status-api.ts";

const token = "api-token-3f9c1d7e5b";

const deployment = (name: string): string => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
spec:
  replicas: 1
  selector: { matchLabels: { app: ${name} } }
  template:
    metadata: { labels: { app: ${name} } }
    spec:
      containers:
        - { name: app, image: "registry.invalid/shop/${name}:1.0.0" }
`;

test("bearerMatches: only the exact token after Bearer", () => {
  assert.equal(bearerMatches(`Bearer ${token}`, token), true);
  assert.equal(bearerMatches(`bearer  ${token}`, token), true);
  assert.equal(bearerMatches(undefined, token), false);
  assert.equal(bearerMatches("", token), false);
  assert.equal(bearerMatches(`Bearer ${token}x`, token), false);
  assert.equal(bearerMatches(`Bearer ${token.slice(0, -1)}`, token), false);
  assert.equal(bearerMatches(`Basic ${token}`, token), false);
  assert.equal(bearerMatches(token, token), false);
});

test("status API: 401 without or with a wrong token; the syncs as slipway get -o json prints them; per-object health", async (t) => {
  const env = integration(t);
  if (!env) return;
  const agentNs = await createNamespace(env, t, "slipway-api");
  const appNs = await createNamespace(env, t, "api-apps");
  const repo = await createGitRepo(env, t, { files: { "apps/web.yaml": deployment("web"), "apps/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  k: v\n" } });
  const config = writeConfig(`namespace: ${agentNs}
listen: "127.0.0.1:0"
sources:
  - { name: manifests, url: "${repo.httpUrl}", ref: { branch: main }, interval: 1h }
syncs:
  - { name: apps, sourceRef: manifests, path: ./apps, targetNamespace: ${appNs}, interval: 1h, timeout: 1m }
`);
  process.env.SLIPWAY_API_TOKEN = token;
  const agent = startAgent(t, agentArgs(env, config, cacheDir()));
  delete process.env.SLIPWAY_API_TOKEN;
  const port = await Promise.race([agent.port, agent.exited.then((c) => Promise.reject(new Error(`agent exited ${c}: ${agent.logs()}`)))]);
  const base = `http://127.0.0.1:${port}/api/v1`;
  await eventually("first apply", async () => ((await readStatus(env, agentNs, "apps"))?.ready === "True" ? true : undefined));

  for (const headers of [{}, { authorization: "Bearer wrong" }, { authorization: `Bearer ${token}0` }, { authorization: `Basic ${Buffer.from(`x:${token}`).toString("base64")}` }]) {
    const res = await fetch(`${base}/syncs`, { headers });
    assert.equal(res.status, 401, JSON.stringify(headers));
    assert.match(res.headers.get("www-authenticate") ?? "", /^Bearer/);
    assert.doesNotMatch(await res.text(), /"syncs"/);
  }
  const auth = { authorization: `Bearer ${token}` };
  assert.equal((await fetch(`${base}/syncs`, { method: "POST", headers: auth })).status, 405);
  assert.equal((await fetch(`${base}/syncs/nope`, { headers: auth })).status, 404);

  // A follow-up reconcile (the member watch) may rewrite the status between two reads: compare an
  // API answer read between two identical CLI answers.
  const { list, printed } = await eventually("a status that holds still across the reads", async () => {
    const get = async (): Promise<string> => {
      const cli = await runSlipway(["get", "-o", "json", "-n", agentNs, "--kubeconfig", env.kubeconfig]);
      assert.equal(cli.code, 0, cli.stderr);
      return cli.stdout;
    };
    const before = await get();
    const list = (await (await fetch(`${base}/syncs`, { headers: auth })).json()) as { syncs: Record<string, unknown>[] };
    return (await get()) === before ? { list, printed: JSON.parse(before) as Record<string, unknown>[] } : undefined;
  });
  assert.equal(list.syncs.length, 1);
  const { path: syncPath, repository, ...rest } = list.syncs[0] ?? {};
  assert.deepEqual(rest, printed[0], "the entry is what slipway get -o json prints");
  assert.equal(syncPath, "./apps");
  assert.deepEqual(repository, { name: "manifests", url: repo.httpUrl, ref: { branch: "main" } });

  const detail = (await (await fetch(`${base}/syncs/apps`, { headers: auth })).json()) as { ready: string; health: { id: string; status: string }[] };
  assert.equal(detail.ready, "True");
  assert.deepEqual(detail.health.map((h) => h.id).sort(), [`ConfigMap/${appNs}/settings`, `Deployment/${appNs}/web`]);
  assert.ok(detail.health.every((h) => h.status === "Current"), JSON.stringify(detail.health));

  assert.match(agent.logs(), /status API refused: missing or wrong bearer token/);
  assert.ok(!agent.logs().includes(token), "the token is not logged");
});

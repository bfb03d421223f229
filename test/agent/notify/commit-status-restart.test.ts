/**
 * Commit statuses around agent (re)starts, on the real control plane, to local GitHub and GitLab
 * status receivers (path, auth header and body checked): the first revision after a start gets
 * `pending` then `success` on both, when it is new (its Providers are read from the build, after
 * it started) and when a restarted agent finds it already applied.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { integration, createGitRepo, createNamespace, kubectl } from "../../env/harness.ts";
import { agentArgs, cacheDir, eventually, startAgent, writeConfig } from "../e2e/agent-process.ts";
import { readStatus } from "../e2e/parent-status.ts";

const githubToken = "ghp_restarttoken01234";
const gitlabToken = "glpat-restarttoken5678";

test("commit statuses after a (re)start: pending then success, for a new revision and for the one already applied", async (t) => {
  const env = integration(t);
  if (!env) return;
  const received: { path: string; headers: http.IncomingHttpHeaders; body: Record<string, string> }[] = [];
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      received.push({ path: req.url ?? "", headers: req.headers, body: JSON.parse(body) as Record<string, string> });
      res.writeHead(201).end("{}");
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  t.after(() => server.close());
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const agentNs = await createNamespace(env, t, "slipway-restart");
  await kubectl(env, ["create", "secret", "generic", "github", "-n", agentNs, `--from-literal=token=${githubToken}`]);
  await kubectl(env, ["create", "secret", "generic", "gitlab", "-n", agentNs, `--from-literal=token=${gitlabToken}`]);
  const notify = ["github", "gitlab"]
    .map((type) => `---
apiVersion: notification.toolkit.fluxcd.io/v1beta3
kind: Provider
metadata: { name: ${type}, namespace: ${agentNs} }
spec: { type: ${type}, address: "${base}/acme/manifests", secretRef: { name: ${type} } }
---
apiVersion: notification.toolkit.fluxcd.io/v1beta3
kind: Alert
metadata: { name: ${type}, namespace: ${agentNs} }
spec: { providerRef: { name: ${type} }, eventSources: [{ kind: Kustomization, name: "*" }] }
`)
    .join("");
  const repo = await createGitRepo(env, t, { files: { "apps/cm.yaml": `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: settings, namespace: ${agentNs} }\ndata: { k: v }\n`, "apps/notify.yaml": notify } });
  const config = writeConfig(`namespace: ${agentNs}
listen: "127.0.0.1:0"
sources:
  - { name: manifests, url: "${repo.httpUrl}", ref: { branch: main }, interval: 1h }
syncs:
  - { name: apps, sourceRef: manifests, path: ./apps, interval: 1h, timeout: 1m }
`);
  const cache = cacheDir();
  const github = (sha: string) => received.filter((r) => r.path === `/api/v3/repos/acme/manifests/statuses/${sha}`);
  const gitlab = (sha: string) => received.filter((r) => r.path === `/api/v4/projects/${encodeURIComponent("acme/manifests")}/statuses/${sha}`);
  const run = async (what: string, expected: { github: string[]; gitlab: string[] }): Promise<string> => {
    const agent = startAgent(t, agentArgs(env, config, cache));
    await Promise.race([agent.port, agent.exited.then((c) => Promise.reject(new Error(`agent exited ${c}: ${agent.logs()}`)))]);
    await eventually(`${what}: applied`, async () => ((await readStatus(env, agentNs, "apps"))?.ready === "True" ? true : undefined));
    const sha = ((await readStatus(env, agentNs, "apps"))?.lastAppliedRevision ?? "").replace("main@sha1:", "");
    await eventually(`${what}: the statuses`, async () => (github(sha).length >= expected.github.length && gitlab(sha).length >= expected.gitlab.length ? true : undefined), 30_000);
    assert.deepEqual(github(sha).map((r) => r.body.state), expected.github, `${what}: GitHub`);
    assert.deepEqual(gitlab(sha).map((r) => r.body.state), expected.gitlab, `${what}: GitLab`);
    agent.child.kill("SIGTERM");
    await agent.exited;
    return sha;
  };
  const first = await run("a new revision at the first start", { github: ["pending", "success"], gitlab: ["pending", "success"] });
  const again = await run("the revision already applied, after a restart", { github: ["pending", "success", "pending", "success"], gitlab: ["pending", "success", "pending", "success"] });
  assert.equal(again, first);
  for (const r of github(first)) {
    assert.equal(r.headers.authorization, `Bearer ${githubToken}`);
    assert.equal(r.body.context, "kustomization/apps");
  }
  for (const r of gitlab(first)) {
    assert.equal(r.headers["private-token"], gitlabToken);
    assert.equal(r.body.name, "kustomization/apps");
  }
});

/**
 * The agent as a long-running process, one behaviour per test: probes and metrics over HTTP and
 * SIGTERM, the webhook poke, `slipway reconcile` against the running agent (drift correction,
 * --with-source), suspend/resume; SIGKILL in the middle of an apply followed by a restart that
 * converges; SIGTERM during an apply; a dependent woken by its dependency.
 */
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { integration, createGitRepo, createNamespace, kubectl, type TestEnv } from "../../env/harness.ts";
import { pushChanges } from "./git-push.ts";
import { agentArgs, cacheDir, eventually, runSlipway, startAgent, writeConfig } from "./agent-process.ts";
import { readStatus } from "./parent-status.ts";

const shop = path.resolve(import.meta.dirname, "../../fixtures/shop");
const cm = (name: string, value: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  k: ${value}\n`;

/**
 * An agent following one repository (`apps/a.yaml` holds ConfigMap a = "one") with sync `apps`
 * and, when `witness` is set, a second sync `witness` of the same source (`witness/w.yaml`);
 * returns once the first apply of every sync is Ready.
 */
async function appsAgent(env: TestEnv, t: TestContext, options: { witness?: boolean } = {}) {
  const agentNs = await createNamespace(env, t, "slipway-agent");
  const appNs = await createNamespace(env, t, "apps");
  const repo = await createGitRepo(env, t, { files: { "apps/a.yaml": cm("a", "one"), ...(options.witness ? { "witness/w.yaml": cm("w", "one") } : {}) } });
  const config = writeConfig(`namespace: ${agentNs}
listen: "127.0.0.1:0"
sources:
  - { name: manifests, url: "${repo.httpUrl}", ref: { branch: main }, interval: 1h }
syncs:
  - { name: apps, sourceRef: manifests, path: apps, targetNamespace: ${appNs}, interval: 1h, timeout: 1m }
${options.witness ? `  - { name: witness, sourceRef: manifests, path: witness, targetNamespace: ${appNs}, interval: 1h, timeout: 1m }\n` : ""}receivers:
  listen: "127.0.0.1:0"
  endpoints: [{ name: manifests, type: slipway, open: true }]
`);
  const agent = startAgent(t, [...agentArgs(env, config, cacheDir())]);
  const port = await Promise.race([agent.port, agent.exited.then((c) => Promise.reject(new Error(`agent exited ${c}: ${agent.logs()}`)))]);
  const base = `http://127.0.0.1:${port}`;
  for (const sync of options.witness ? ["apps", "witness"] : ["apps"]) {
    await eventually(`first apply of ${sync}`, async () => ((await readStatus(env, agentNs, sync))?.ready === "True" ? true : undefined));
  }
  const revision = (await readStatus(env, agentNs, "apps"))?.lastAppliedRevision ?? "";
  // The receivers start before the first apply, on a port of their own.
  const hookBase = `http://127.0.0.1:${/"msg":"receivers: listening on port (\d+)"/.exec(agent.logs())?.[1] ?? 0}`;

  const valueOfA = (): Promise<string> => kubectl(env, ["get", "configmap", "a", "-n", appNs, "-o", "jsonpath={.data.k}"]);
  return { agent, agentNs, appNs, repo, base, hookBase, revision, valueOfA };
}

test("daemon: probes and metrics answer after the first apply; SIGTERM stops it cleanly", async (t) => {
  const env = integration(t);
  if (!env) return;
  const { agent, base, valueOfA } = await appsAgent(env, t);
  assert.equal((await fetch(`${base}/healthz`)).status, 200);
  assert.equal((await fetch(`${base}/readyz`)).status, 200);
  assert.equal(await valueOfA(), "one");

  // Metrics carry every metric name.
  const metrics = await (await fetch(`${base}/metrics`)).text();
  for (const name of ["slipway_reconcile_duration_seconds_bucket", "slipway_reconcile_total", "slipway_sync_ready", "slipway_source_fetch_duration_seconds_bucket", "slipway_applied_objects", "slipway_build_info", "process_resident_memory_bytes"]) {
    assert.ok(metrics.includes(name), `${name} in /metrics`);
  }
  assert.match(metrics, /slipway_sync_ready\{sync="apps"\} 1/);
  assert.match(metrics, /slipway_reconcile_total\{sync="apps",result="success"\} 1/);
  assert.match(metrics, /slipway_applied_objects\{sync="apps",action="created"\} 1/);

  // SIGTERM: the agent stops cleanly.
  agent.child.kill("SIGTERM");
  assert.equal(await agent.exited, 0);
  assert.match(agent.logs(), /"msg":"stopped"/);
});

test("daemon: the webhook applies a push at once, long before the 1h interval; bad pokes are refused", async (t) => {
  const env = integration(t);
  if (!env) return;
  const { agentNs, repo, hookBase: base, valueOfA } = await appsAgent(env, t);
  const sha2 = await pushChanges(repo, "main", { "apps/a.yaml": cm("a", "two") });
  assert.equal((await fetch(`${base}/hook/nope`, { method: "POST" })).status, 404);
  assert.equal((await fetch(`${base}/hook/manifests`, { method: "POST", body: "not json" })).status, 400);
  const hook = await fetch(`${base}/hook/manifests`, { method: "POST", body: JSON.stringify({ revision: sha2 }) });
  assert.equal(hook.status, 202);
  await eventually("webhook apply", async () => ((await readStatus(env, agentNs, "apps"))?.lastAppliedRevision === `main@sha1:${sha2}` ? true : undefined), 30_000);
  assert.equal(await valueOfA(), "two");
});

test("daemon: slipway reconcile puts a hand edit back; --with-source fetches a new commit without the webhook", async (t) => {
  const env = integration(t);
  if (!env) return;
  const { agent, agentNs, appNs, repo, revision, valueOfA } = await appsAgent(env, t);
  const finished = (): string[] => agent.logs().split("\n").filter((l) => l.includes("Reconciliation finished") && l.includes('"sync":"apps"'));
  /** The build field of the next reconcile's log line after `seen` lines. */
  const nextBuild = async (seen: number): Promise<string> => eventually("the reconcile's log line", async () => /"build":"(\w+)"/.exec(finished()[seen] ?? "")?.[1]);
  // A hand edit is put back by the member watch within seconds, long before the 1h interval
  // (drift correction at an unchanged revision); `slipway reconcile` then finds nothing to do.
  await kubectl(env, ["patch", "configmap", "a", "-n", appNs, "--type", "merge", "-p", '{"data":{"k":"by-hand"}}']);
  await eventually("the hand edit was reverted", async () => ((await valueOfA()) === "one" ? true : undefined), 10_000);
  const before = finished().length;
  const rec = await runSlipway(["reconcile", "apps", "-n", agentNs, "--kubeconfig", env.kubeconfig, "--timeout", "60s"]);
  assert.equal(rec.code, 0, rec.stderr);
  assert.match(rec.stderr, new RegExp(`✔ Applied revision: ${revision} \\(1 unchanged\\)`));
  assert.equal(await valueOfA(), "one", "the hand edit was reverted");
  // At the same revision the last build is reused: no export, no kustomize.
  assert.equal(await nextBuild(before), "reused");

  const sha3 = await pushChanges(repo, "main", { "apps/b.yaml": cm("b", "new") });
  const before2 = finished().length;
  const rec2 = await runSlipway(["reconcile", "apps", "--with-source", "-n", agentNs, "--kubeconfig", env.kubeconfig, "--timeout", "60s"]);
  assert.equal(rec2.code, 0, rec2.stderr);
  assert.equal((await readStatus(env, agentNs, "apps"))?.lastAppliedRevision, `main@sha1:${sha3}`);
  assert.equal(await nextBuild(before2), "built", "a new commit is built");
});

test("daemon: a suspended sync is not applied (get shows it, reconcile refuses); resume applies the new commit", async (t) => {
  const env = integration(t);
  if (!env) return;
  const { agentNs, repo, hookBase: base, revision, valueOfA } = await appsAgent(env, t, { witness: true });
  const sus = await runSlipway(["suspend", "apps", "-n", agentNs, "--kubeconfig", env.kubeconfig]);
  assert.equal(sus.code, 0, sus.stderr);
  await eventually("suspended", async () => ((await readStatus(env, agentNs, "apps"))?.suspended ? true : undefined), 20_000);
  const sha4 = await pushChanges(repo, "main", { "apps/a.yaml": cm("a", "three"), "witness/w.yaml": cm("w", "three") });
  await fetch(`${base}/hook/manifests`, { method: "POST" });
  const got = await runSlipway(["get", "-n", agentNs, "--kubeconfig", env.kubeconfig]);
  assert.match(got.stdout, new RegExp(`^apps\\s+True\\s+Applied revision: ${revision}\\s+${revision}\\s+True$`, "m"));
  // The poke woke both syncs of the source at once: once the witness has applied the new
  // commit, the suspended sync has had its turn too.
  await eventually("witness applied", async () => ((await readStatus(env, agentNs, "witness"))?.lastAppliedRevision === `main@sha1:${sha4}` ? true : undefined), 30_000);
  assert.equal(await valueOfA(), "one", "a suspended sync is not applied");
  assert.equal((await readStatus(env, agentNs, "apps"))?.lastAppliedRevision, revision);
  const refused = await runSlipway(["reconcile", "apps", "-n", agentNs, "--kubeconfig", env.kubeconfig]);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /✗ sync apps: is suspended; run "slipway resume apps" first/);
  const res = await runSlipway(["resume", "apps", "-n", agentNs, "--kubeconfig", env.kubeconfig]);
  assert.equal(res.code, 0, res.stderr);
  await eventually("resumed apply", async () => ((await readStatus(env, agentNs, "apps"))?.lastAppliedRevision === `main@sha1:${sha4}` ? true : undefined), 30_000);
  assert.equal(await valueOfA(), "three");
});

/**
 * What the signal tests share: an agent namespace, an app namespace, a repository holding the
 * seed's shop on branch eks, and a config with one sync of it.
 */
async function shopAgentSetup(env: TestEnv, t: TestContext): Promise<{ agentNs: string; appNs: string; config: string; sha: string }> {
  const agentNs = await createNamespace(env, t, "slipway-agent");
  const appNs = await createNamespace(env, t, "shop");
  const repo = await createGitRepo(env, t, { branch: "eks" });
  const sha = await pushChanges(repo, "eks", { clusters: { copyFrom: path.join(shop, "clusters") } });
  const config = writeConfig(`namespace: ${agentNs}
listen: "127.0.0.1:0"
sources:
  - { name: m, url: "${repo.httpUrl}", ref: { branch: eks } }
syncs:
  - { name: shop, sourceRef: m, path: clusters/eks/shop, targetNamespace: ${appNs}, timeout: 2m }
`);
  return { agentNs, appNs, config, sha };
}

test("SIGKILL in the middle of an apply, then a restart, converges", async (t) => {
  const env = integration(t);
  if (!env) return;
  const { agentNs, appNs, config } = await shopAgentSetup(env, t);
  const cache = cacheDir();
  const agent = startAgent(t, agentArgs(env, config, cache));
  // Kill as soon as the first object has been created, while the rest is still being applied.
  await eventually("first object", async () => (/ created"/.test(agent.logs()) ? true : undefined), 60_000);
  agent.child.kill("SIGKILL");
  await agent.exited;
  const again = await runSlipway(["agent", ...agentArgs(env, config, cache), "--once"]);
  assert.equal(again.code, 0, again.stderr);
  const status = await readStatus(env, agentNs, "shop");
  assert.equal(status?.ready, "True", status?.message);
  assert.equal(status?.objects, 16);
  assert.equal((await kubectl(env, ["get", "deployments,services,configmaps,ingresses", "-n", appNs, "-l", "slipway.dev/name=shop", "-o", "name"])).trim().split("\n").length, 16);
});

test("SIGTERM during an apply lets it finish, then the agent exits", async (t) => {
  const env = integration(t);
  if (!env) return;
  const { agentNs, config, sha } = await shopAgentSetup(env, t);
  const agent = startAgent(t, agentArgs(env, config, cacheDir()));
  await eventually("the apply under way", async () => (/ created"/.test(agent.logs()) ? true : undefined), 60_000);
  agent.child.kill("SIGTERM");
  assert.equal(await agent.exited, 0, agent.logs());
  const logs = agent.logs();
  const stopping = logs.indexOf("stopping: finishing the reconcile in progress");
  assert.ok(stopping >= 0 && stopping < logs.indexOf("Reconciliation finished"), logs);
  const status = await readStatus(env, agentNs, "shop");
  assert.equal(status?.message, `Applied revision: eks@sha1:${sha}`);
  assert.equal(status?.objects, 16);
});

test("daemon: a dependent waiting on its dependency is woken when the dependency becomes Ready", async (t) => {
  const env = integration(t);
  if (!env) return;
  const agentNs = await createNamespace(env, t, "slipway-agent");
  const appNs = await createNamespace(env, t, "apps");
  // infra has a Deployment to wait for (minReadySeconds keeps it unavailable for 8 s even on a
  // loaded machine), so apps asks first and is told to wait 30 s.
  const deploy = `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: infra\nspec:\n  replicas: 1\n  minReadySeconds: 8\n  selector:\n    matchLabels: {app: infra}\n  template:\n    metadata:\n      labels: {app: infra}\n    spec:\n      containers:\n      - name: app\n        image: registry.local/infra:1\n`;
  const repo = await createGitRepo(env, t, { files: { "infra/d.yaml": deploy, "apps/a.yaml": cm("a", "one") } });
  const config = writeConfig(`namespace: ${agentNs}
listen: "127.0.0.1:0"
sources:
  - { name: s, url: "${repo.httpUrl}", ref: { branch: main } }
syncs:
  - { name: apps, sourceRef: s, path: apps, dependsOn: [infra], targetNamespace: ${appNs}, interval: 1h, retryInterval: 1h }
  - { name: infra, sourceRef: s, path: infra, targetNamespace: ${appNs}, interval: 1h, timeout: 1m }
`);
  // A parent of a sync that is not configured (any more).
  await kubectl(env, ["create", "configmap", "slipway-retired", "-n", agentNs]);
  await kubectl(env, ["label", "configmap", "slipway-retired", "-n", agentNs, "slipway.dev/sync=retired"]);
  const agent = startAgent(t, agentArgs(env, config, cacheDir()));
  const waited = await eventually("apps told to wait", async () => ((await readStatus(env, agentNs, "apps"))?.reason === "DependencyNotReady" ? Date.now() : undefined), 30_000);
  const ready = await eventually("apps Ready", async () => ((await readStatus(env, agentNs, "apps"))?.ready === "True" ? Date.now() : undefined), 60_000).catch(async (err: unknown) => {
    throw new Error(`${String(err)}\n${JSON.stringify(await readStatus(env, agentNs, "infra"))}\n${JSON.stringify(await readStatus(env, agentNs, "apps"))}\n${agent.logs()}`);
  });
  assert.ok(ready - waited < 25_000, `apps became Ready ${ready - waited} ms after waiting, before its 30 s requeue`);
  const infra = await readStatus(env, agentNs, "infra");
  const apps = await readStatus(env, agentNs, "apps");
  assert.equal(apps?.lastAppliedRevision, infra?.lastAppliedRevision);
  const finished = (sync: string) => agent.logs().split("\n").filter((l) => l.includes("Reconciliation finished") && l.includes(`"sync":"${sync}"`)).length;
  assert.equal(finished("infra"), 1, "a new parent does not trigger a second run");
  assert.equal(finished("apps"), 1);
  assert.match(agent.logs(), new RegExp(`"msg":"sync retired is no longer configured; its objects and ConfigMap/${agentNs}/slipway-retired are left in place"`));
  assert.equal((await kubectl(env, ["get", "configmap", "slipway-retired", "-n", agentNs, "-o", "name"])).trim(), "configmap/slipway-retired");
  agent.child.kill("SIGTERM");
  assert.equal(await agent.exited, 0);
});

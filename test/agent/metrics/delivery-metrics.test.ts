/**
 * The image and delivery metrics of a running agent on the real control plane: one
 * `slipway_workload_image_info` series per container with the image and tag it is set to (the
 * old tag's series goes when a commit changes it), the commit time of the last revision applied,
 * and the commit → applied and commit → healthy histograms (once per revision). Plus the rows read from each workload kind.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { integration, createGitRepo, createNamespace } from "../../env/harness.ts";
import { run } from "../../../core/exec.ts";
import { agentArgs, cacheDir, eventually, runSlipway, startAgent, writeConfig } from "../e2e/agent-process.ts";
import { readStatus } from "../e2e/parent-status.ts";
import { pushChanges } from "../e2e/git-push.ts";
import { workloadImages } from "../../../agent/metrics/delivery-observer.ts";

const deployment = (tag: string): string => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 1
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec:
      initContainers:
        - { name: migrate, image: "registry.invalid/shop/migrate@sha256:${"a".repeat(64)}" }
      containers:
        - { name: app, image: "registry.invalid/shop/web:${tag}" }
`;

test("workloadImages: a row per container of each workload kind; other kinds none", () => {
  const pod = { containers: [{ name: "c", image: "r.example/x:1" }] };
  const rows = workloadImages([
    { apiVersion: "batch/v1", kind: "CronJob", metadata: { name: "cj", namespace: "n" }, spec: { jobTemplate: { spec: { template: { spec: pod } } } } },
    { apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: "n" }, spec: pod },
    { apiVersion: "apps/v1", kind: "StatefulSet", metadata: { name: "s", namespace: "n" }, spec: { template: { spec: { containers: [{ name: "db", image: "postgres" }] } } } },
    { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "cm", namespace: "n" } },
  ]);
  assert.deepEqual(rows, [
    { namespace: "n", kind: "CronJob", name: "cj", container: "c", image: "r.example/x", tag: "1" },
    { namespace: "n", kind: "Pod", name: "p", container: "c", image: "r.example/x", tag: "1" },
    { namespace: "n", kind: "StatefulSet", name: "s", container: "db", image: "postgres", tag: "" },
  ]);
});

test("image info follows the live workloads; commit → applied and → healthy are observed once per new revision", async (t) => {
  const env = integration(t);
  if (!env) return;
  const agentNs = await createNamespace(env, t, "slipway-metrics");
  const appNs = await createNamespace(env, t, "metrics-apps");
  const repo = await createGitRepo(env, t, { files: { "apps/web.yaml": deployment("1.0.0") } });
  const config = writeConfig(`namespace: ${agentNs}
listen: "127.0.0.1:0"
sources:
  - { name: manifests, url: "${repo.httpUrl}", ref: { branch: main }, interval: 1h }
syncs:
  - { name: apps, sourceRef: manifests, path: ./apps, targetNamespace: ${appNs}, interval: 1h, timeout: 1m }
`);
  const agent = startAgent(t, agentArgs(env, config, cacheDir()));
  const port = await Promise.race([agent.port, agent.exited.then((c) => Promise.reject(new Error(`agent exited ${c}: ${agent.logs()}`)))]);
  const metrics = async (): Promise<string> => (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const series = (tag: string) => `slipway_workload_image_info{sync="apps",namespace="${appNs}",kind="Deployment",name="web",container="app",image="registry.invalid/shop/web",tag="${tag}"} 1`;
  await eventually("the first image row", async () => ((await metrics()).includes(series("1.0.0")) ? true : undefined), 60_000);
  assert.ok((await metrics()).includes(`slipway_workload_image_info{sync="apps",namespace="${appNs}",kind="Deployment",name="web",container="migrate",image="registry.invalid/shop/migrate",tag="sha256:${"a".repeat(64)}"} 1`));

  const sha = await pushChanges(repo, "main", { "apps/web.yaml": deployment("1.0.1") });
  // The agent fetches at once when asked (its source interval is 1h); a failing reconcile exits non-zero, which the checks below look at.
  await runSlipway(["reconcile", "apps", "--with-source", "-n", agentNs, "--kubeconfig", env.kubeconfig, "--timeout", "1m"]);
  await eventually("the new tag", async () => ((await metrics()).includes(series("1.0.1")) ? true : undefined), 60_000);
  assert.equal((await readStatus(env, agentNs, "apps"))?.lastAppliedRevision, `main@sha1:${sha}`);
  const text = await metrics();
  assert.ok(!text.includes(series("1.0.0")), "the old tag's series is gone");
  const committed = Number((await run("git", ["--git-dir", repo.bareDir, "show", "-s", "--format=%ct", sha])).stdout.trim());
  assert.match(text, new RegExp(`slipway_sync_last_applied_timestamp_seconds\\{sync="apps"\\} ${committed}\\n`));
  const count = Number(/slipway_commit_to_healthy_seconds_count\{sync="apps"\} (\d+)/.exec(text)?.[1]);
  assert.ok(count >= 1, "the new revision's delivery time is observed");
  // Commit → applied: once per revision (the first and the second), never later than commit → healthy.
  const sample = (name: string): number => Number(new RegExp(`${name}\\{sync="apps"\\} ([0-9.e+-]+)`).exec(text)?.[1]);
  assert.equal(sample("slipway_commit_to_applied_seconds_count"), 2, "each revision's apply is observed once");
  assert.equal(sample("slipway_commit_to_applied_seconds_count"), sample("slipway_commit_to_healthy_seconds_count"));
  assert.ok(sample("slipway_commit_to_applied_seconds_sum") <= sample("slipway_commit_to_healthy_seconds_sum"), "applied comes before healthy");
  // A reconcile of the same revision applies it again but is no delivery.
  const again = await runSlipway(["reconcile", "apps", "-n", agentNs, "--kubeconfig", env.kubeconfig, "--timeout", "1m"]);
  assert.equal(again.code, 0, again.stderr);
  assert.match(await metrics(), /slipway_commit_to_applied_seconds_count\{sync="apps"\} 2\n/);
});

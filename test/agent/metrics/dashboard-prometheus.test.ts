/**
 * The Grafana dashboard proven against a real Prometheus (Debian's `prometheus`) scraping a
 * running agent on the real control plane: after two commits, every query of every panel returns
 * data. And the dashboard JSON has the shape its declared schemaVersion gives panels (unique ids,
 * known types, a 24-column grid without overlaps, Prometheus targets with refIds).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { integration, createGitRepo, createNamespace } from "../../env/harness.ts";
import { startPrometheus } from "../../env/prometheus.ts";
import { agentArgs, cacheDir, eventually, runSlipway, startAgent, writeConfig } from "../e2e/agent-process.ts";
import { readStatus } from "../e2e/parent-status.ts";
import { pushChanges } from "../e2e/git-push.ts";

interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  datasource?: { type: string; uid: string };
  targets?: { refId: string; expr: string }[];
}
const dashboard = JSON.parse(readFileSync(path.resolve(import.meta.dirname, "../../../deploy/monitoring/slipway-dashboard.json"), "utf8")) as { schemaVersion: number; panels: Panel[]; templating: { list: { name: string; type: string }[] } };

test("the dashboard has the panel model of its schemaVersion", () => {
  assert.equal(typeof dashboard.schemaVersion, "number");
  assert.ok(dashboard.schemaVersion >= 36 && dashboard.schemaVersion <= 42, `schemaVersion ${dashboard.schemaVersion}: datasource objects and fieldConfig panels`);
  const ids = dashboard.panels.map((p) => p.id);
  assert.equal(new Set(ids).size, ids.length, "panel ids are unique");
  const cells = new Map<string, number>();
  for (const p of dashboard.panels) {
    assert.ok(["stat", "timeseries", "table", "gauge", "bargauge", "text"].includes(p.type), `${p.title}: type ${p.type}`);
    const g = p.gridPos;
    assert.ok(g.w >= 1 && g.h >= 1 && g.x >= 0 && g.y >= 0 && g.x + g.w <= 24, `${p.title}: gridPos inside the 24-column grid`);
    for (let x = g.x; x < g.x + g.w; x++) for (let y = g.y; y < g.y + g.h; y++) {
      const other = cells.get(`${x},${y}`);
      assert.equal(other, undefined, `${p.title} overlaps panel ${other}`);
      cells.set(`${x},${y}`, p.id);
    }
    assert.deepEqual(p.datasource, { type: "prometheus", uid: "${datasource}" }, `${p.title}: the dashboard's datasource variable`);
    assert.ok((p.targets ?? []).length > 0 && (p.targets ?? []).every((t) => /^[A-Z]$/.test(t.refId) && t.expr.trim() !== ""), `${p.title}: targets`);
  }
  assert.ok(dashboard.templating.list.some((v) => v.name === "datasource" && v.type === "datasource"));
});

test("every panel's query returns data from Prometheus scraping a running agent", async (t) => {
  const env = integration(t);
  if (!env) return;
  const agentNs = await createNamespace(env, t, "slipway-dash");
  const appNs = await createNamespace(env, t, "dash-apps");
  const web = (tag: string) => `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 1\n  selector: { matchLabels: { app: web } }\n  template:\n    metadata: { labels: { app: web } }\n    spec:\n      containers:\n        - { name: app, image: "registry.invalid/shop/web:${tag}" }\n`;
  const repo = await createGitRepo(env, t, { files: { "apps/web.yaml": web("1.0.0") } });
  const config = writeConfig(`namespace: ${agentNs}
listen: "127.0.0.1:0"
sources:
  - { name: manifests, url: "${repo.httpUrl}", ref: { branch: main }, interval: 1h }
syncs:
  - { name: apps, sourceRef: manifests, path: ./apps, targetNamespace: ${appNs}, interval: 1h, timeout: 1m }
`);
  const agent = startAgent(t, agentArgs(env, config, cacheDir()));
  const port = await Promise.race([agent.port, agent.exited.then((c) => Promise.reject(new Error(`agent exited ${c}: ${agent.logs()}`)))]);
  await eventually("first apply", async () => ((await readStatus(env, agentNs, "apps"))?.ready === "True" ? true : undefined), 60_000);
  const prom = await startPrometheus(t, [`127.0.0.1:${port}`]);
  await eventually("the first scrapes", async () => (Number((await prom.query("count_over_time(slipway_build_info[1m])"))[0]?.value[1] ?? "0") >= 2 ? true : undefined), 60_000);

  // A second commit, so counters and histograms increase between scrapes.
  const sha = await pushChanges(repo, "main", { "apps/web.yaml": web("1.0.1") });
  // The agent fetches at once when asked (its source interval is 1h); a failing reconcile exits non-zero, which the checks below look at.
  await runSlipway(["reconcile", "apps", "--with-source", "-n", agentNs, "--kubeconfig", env.kubeconfig, "--timeout", "1m"]);
  await eventually("the second apply", async () => ((await readStatus(env, agentNs, "apps"))?.lastAppliedRevision === `main@sha1:${sha}` ? true : undefined), 60_000);

  const queries = dashboard.panels.flatMap((p) => (p.targets ?? []).map((q) => ({ panel: p.title, expr: q.expr.replaceAll("$__rate_interval", "2m") })));
  const missing = await eventually(
    "data for every panel",
    async () => {
      const empty: string[] = [];
      for (const q of queries) {
        const result = await prom.query(q.expr);
        if (!result.some((r) => Number.isFinite(Number(r.value[1])))) empty.push(`${q.panel}: ${q.expr}`);
      }
      return empty.length === 0 ? empty : undefined;
    },
    90_000,
  );
  assert.deepEqual(missing, []);
  // Both revisions' commit → applied times, each no later than the same revision's commit → healthy.
  // What Prometheus holds is the last scrape's: the second revision's figures may take one more.
  const applied = await eventually("both revisions' commit → applied in a scrape", async () => {
    const r = await prom.query('sum(slipway_commit_to_applied_seconds_count{sync="apps"})');
    return r[0]?.value[1] === "2" ? r : undefined;
  }, 30_000).catch(async () => prom.query('sum(slipway_commit_to_applied_seconds_count{sync="apps"})'));
  assert.equal(applied[0]?.value[1], "2");
  const order = await prom.query('sum(slipway_commit_to_applied_seconds_sum{sync="apps"}) <= bool sum(slipway_commit_to_healthy_seconds_sum{sync="apps"})');
  assert.equal(order[0]?.value[1], "1", "applied before healthy");
  const imageQuery = 'max by (sync, namespace, kind, name, container, image, tag) (slipway_workload_image_info)';
  const images = await eventually("the new image in a scrape", async () => {
    const r = await prom.query(imageQuery);
    return r.length === 1 && r[0]?.metric.tag === "1.0.1" ? r : undefined;
  }, 30_000).catch(async () => prom.query(imageQuery));
  assert.deepEqual(images.map((r) => r.metric.tag), ["1.0.1"], "the table shows the image the workload runs now");
});

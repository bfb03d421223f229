/**
 * kustomize's own `helmCharts` generator in a sync's kustomization: the agent runs kustomize with
 * `--enable-helm` and its helm (`$SLIPWAY_HELM`), so a chart from the test's HTTP repository is
 * inflated and its objects applied as members of the sync.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createGitRepo, createNamespace, integration, kubectl } from "../../env/harness.ts";
import { helmTool, openGoTool } from "../../env/go-tools.ts";
import { pushChanges } from "../e2e/git-push.ts";
import { agentArgs, cacheDir, runSlipway, writeConfig } from "../e2e/agent-process.ts";
import { readStatus } from "../e2e/parent-status.ts";
import { startChartRepo, writeBulkChart } from "./chart-fixture.ts";

test("kustomize helmCharts: inflated with the agent's helm and applied", async (t) => {
  const env = integration(t);
  if (!env) return;
  const tool = await openGoTool(helmTool);
  if (!tool.bin) return t.skip(tool.skip);
  const agentNs = await createNamespace(env, t, "slipway-agent");
  const ns = await createNamespace(env, t, "helmcharts");
  const charts = await startChartRepo(tool.bin);
  t.after(() => charts.close());
  await charts.add(writeBulkChart(3));
  const repo = await createGitRepo(env, t);
  await pushChanges(repo, "main", {
    "apps/kustomization.yaml": `namespace: ${ns}\nhelmCharts:\n  - name: bulk\n    repo: ${charts.url}\n    version: 1.0.0\n    releaseName: inflated\n    valuesInline:\n      count: 2\n`,
  }, "helmCharts");
  const config = writeConfig(`namespace: ${agentNs}\nsources:\n  - name: repo\n    url: ${repo.httpUrl}\n    ref: { branch: main }\nsyncs:\n  - name: apps\n    sourceRef: repo\n    path: ./apps\n    timeout: 2m\n`);
  const r = await runSlipway(["agent", ...agentArgs(env, config, cacheDir()), "--once"], { env: { SLIPWAY_HELM: tool.bin } });
  const s = await readStatus(env, agentNs, "apps");
  assert.equal(s?.ready, "True", `${s?.message ?? ""}\n${r.stderr}`);
  const names = (await kubectl(env, ["get", "configmap", "-n", ns, "-l", "slipway.dev/name=apps", "-o", "jsonpath={.items[*].metadata.name}"])).split(" ").sort();
  assert.deepEqual(names, ["inflated-0", "inflated-1"]);
});

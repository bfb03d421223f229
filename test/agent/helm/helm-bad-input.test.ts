/**
 * Bad input to a HelmRelease, against the real helm and control plane: a chart that does not
 * exist, a version range nothing satisfies, a chart repository that answers 500, values the
 * chart's schema refuses, a valuesFrom document that does not parse, and an invalid spec
 * (chartRef). Each fails the release's own sync naming the file, the HelmRelease and the cause;
 * its holder stays Ready and applies its other objects (a marker ConfigMap committed with it),
 * and nothing of the release is pruned (its objects from the last good revision stay).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createGitRepo, createNamespace, integration, kubectl } from "../../env/harness.ts";
import { helmTool, openGoTool } from "../../env/go-tools.ts";
import { pushChanges } from "../e2e/git-push.ts";
import { agentArgs, cacheDir, runSlipway, writeConfig } from "../e2e/agent-process.ts";
import { readStatus } from "../e2e/parent-status.ts";
import { startChartRepo, writeChart } from "./chart-fixture.ts";
import { helmReleaseKey } from "../../../agent/helm/release-sync.ts";

test("HelmRelease bad input: each fails the release alone, naming the file and the release; nothing of it pruned", async (t) => {
  const env = integration(t);
  if (!env) return;
  const tool = await openGoTool(helmTool);
  if (!tool.bin) return t.skip(tool.skip);
  const agentNs = await createNamespace(env, t, "slipway-agent");
  const ns = await createNamespace(env, t, "helm-bad");
  const charts = await startChartRepo(tool.bin);
  t.after(() => charts.close());
  await charts.add(writeChart("1.0.0"));
  await kubectl(env, ["create", "configmap", "bad-values", "-n", ns, "--from-literal=values.yaml=greeting: [unclosed\n"]);

  const files = (o: { url?: string; chart?: string; version?: string; values?: string; valuesFrom?: boolean; chartRef?: boolean; marker: string }): Record<string, string> => ({
    "apps/releases.yaml": `apiVersion: source.toolkit.fluxcd.io/v1
kind: HelmRepository
metadata:
  name: charts
  namespace: ${ns}
spec:
  interval: 10m
  url: ${o.url ?? charts.url}
---
apiVersion: helm.toolkit.fluxcd.io/v2beta2
kind: HelmRelease
metadata:
  name: app
  namespace: ${ns}
spec:
  interval: 10m
  install:
    crds: Skip
${o.chartRef ? "  chartRef:\n    kind: OCIRepository\n    name: app\n" : `  chart:
    spec:
      chart: ${o.chart ?? "app"}
      version: "${o.version ?? "1.x"}"
      sourceRef:
        kind: HelmRepository
        name: charts
`}${o.valuesFrom ? "  valuesFrom:\n    - kind: ConfigMap\n      name: bad-values\n" : ""}${o.values ? `  values:\n    ${o.values}\n` : ""}`,
    "apps/marker.yaml": `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: marker\n  namespace: ${ns}\ndata:\n  revision: "${o.marker}"\n`,
  });
  const repo = await createGitRepo(env, t);
  await pushChanges(repo, "main", files({ marker: "good" }), "good");
  const config = writeConfig(`namespace: ${agentNs}\nsources:\n  - name: repo\n    url: ${repo.httpUrl}\n    ref: { branch: main }\nsyncs:\n  - name: apps\n    sourceRef: repo\n    path: ./apps\n    timeout: 2m\n`);
  const args = ["agent", ...agentArgs(env, config, cacheDir()), "--once"];
  const agentEnv = { SLIPWAY_HELM: tool.bin };
  const r0 = await runSlipway(args, { env: agentEnv });
  assert.equal((await readStatus(env, agentNs, "apps"))?.ready, "True", r0.stderr);
  const uid = await kubectl(env, ["get", "configmap", "app-config", "-n", ns, "-o", "jsonpath={.metadata.uid}"]);
  assert.ok(uid);

  const cases: { name: string; change: Parameters<typeof files>[0]; message: RegExp }[] = [
    { name: "a chart that does not exist", change: { chart: "nope", marker: "1" }, message: /chart "nope" not found in http:\/\/127\.0\.0\.1:\d+\/index\.yaml/ },
    { name: "a version range nothing satisfies", change: { version: ">=5.0.0", marker: "2" }, message: /no version of chart "app" satisfies ">=5\.0\.0" \(versions: 1\.0\.0\)/ },
    { name: "a repository that answers 500", change: { url: charts.brokenUrl, marker: "3" }, message: /HelmRepository\/[a-z0-9-]+\/charts: http:\/\/127\.0\.0\.1:\d+\/broken\/index\.yaml answered 500/ },
    { name: "values the chart's schema refuses", change: { values: "replicas: two", marker: "4" }, message: /helm template failed: [\s\S]*replicas/ },
    { name: "a values document that does not parse", change: { valuesFrom: true, marker: "5" }, message: /spec\.valuesFrom\[0\]: ConfigMap\/[a-z0-9-]+\/bad-values: values\.yaml:\d+: does not parse as YAML/ },
    { name: "chartRef (not supported)", change: { chartRef: true, marker: "6" }, message: /spec\.chartRef: is not supported by Slipway yet/ },
  ];
  for (const c of cases) {
    await pushChanges(repo, "main", files(c.change), c.name);
    const r = await runSlipway(args, { env: agentEnv });
    assert.equal((await readStatus(env, agentNs, "apps"))?.ready, "True", `${c.name}: the holder stays Ready`);
    const s = await readStatus(env, agentNs, helmReleaseKey(ns, "app"));
    assert.equal(s?.ready, "False", `${c.name}: ${r.stderr}`);
    assert.equal(s?.reason, "BuildFailed", c.name);
    assert.match(s?.message ?? "", /^apps\/releases\.yaml:\d+: HelmRelease\/[a-z0-9-]+\/app: /, `${c.name}: ${s?.message ?? ""}`);
    assert.match(s?.message ?? "", c.message, c.name);
    assert.equal(await kubectl(env, ["get", "configmap", "marker", "-n", ns, "-o", "jsonpath={.data.revision}"]), c.change.marker, `${c.name}: the holder applies its own objects`);
    assert.equal(await kubectl(env, ["get", "configmap", "app-config", "-n", ns, "-o", "jsonpath={.metadata.uid}"]), uid, `${c.name}: nothing of the release pruned`);
  }
  const get = await runSlipway(["get", "hr", "-A", "-n", agentNs, "--kubeconfig", env.kubeconfig]);
  assert.match(get.stdout, /app\s+app\s+1\.0\.0\s+1\s+False\s+apps\/releases\.yaml:\d+: HelmRelease\/[a-z0-9-]+\/app: spec\.chartRef/);
});

/**
 * HelmRelease end to end with the real helm: charts packaged by `helm package`, one served as an
 * HTTPS-style index (`helm repo index`, over HTTP by the test) and one pushed to the local OCI
 * registry; HelmRepository and HelmRelease objects (v2 and v2beta1) committed to git are rendered
 * by the agent (`--once`) and applied by each release's own sync: version ranges, values + valuesFrom (merge and
 * targetPath), targetNamespace, CRD policies (CreateReplace, Skip), postRenderers, hooks (a
 * pre-install hook that never becomes ready holds the release back; once removed the
 * pre-install Job completes before the rest is created; post-install after; test and pre-delete
 * hooks never), labels, ApplySet membership, release status and `slipway get helmreleases`.
 * A no-op run keeps revision 1; a values change makes revision 2 and prunes nothing it keeps.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createGitRepo, createNamespace, integration, kubectl, uniqueName } from "../../env/harness.ts";
import { helmTool, openGoTool } from "../../env/go-tools.ts";
import { pushChanges } from "../e2e/git-push.ts";
import { agentArgs, cacheDir, runSlipway, writeConfig } from "../e2e/agent-process.ts";
import { readStatus } from "../e2e/parent-status.ts";
import { pushOciChart, startChartRepo, writeChart } from "./chart-fixture.ts";
import { parentId, parentRef } from "../../../agent/applyset/applyset-parent.ts";
import { helmReleaseKey } from "../../../agent/helm/release-sync.ts";

test("HelmRelease: HTTP index and OCI charts rendered by helm and applied by the sync, hooks in order, status and get helmreleases", async (t) => {
  const env = integration(t);
  if (!env) return;
  const tool = await openGoTool(helmTool);
  if (!tool.bin) return t.skip(tool.skip);
  const helm = tool.bin;
  const agentNs = await createNamespace(env, t, "slipway-agent");
  const appNs = await createNamespace(env, t, "helm");
  const webNs = await createNamespace(env, t, "web");
  const repoServer = await startChartRepo(helm);
  t.after(() => repoServer.close());
  for (const v of ["1.0.0", "1.0.3", "2.0.0"]) await repoServer.add(writeChart(v));
  const ociPath = uniqueName("charts");
  await pushOciChart(helm, writeChart("0.1.0", "web"), env.registry, ociPath);
  await kubectl(env, ["create", "configmap", "app-values", "-n", appNs, "--from-literal=values.yaml=greeting: from-configmap\nreplicas: 2\n", "--from-literal=extra=set-by-target-path"]);

  const release = (values: string, blocking: boolean): string => `apiVersion: source.toolkit.fluxcd.io/v1
kind: HelmRepository
metadata:
  name: charts
  namespace: ${appNs}
spec:
  interval: 10m
  url: ${repoServer.url}
---
apiVersion: source.toolkit.fluxcd.io/v1beta2
kind: HelmRepository
metadata:
  name: oci
  namespace: ${appNs}
spec:
  interval: 10m
  type: oci
  insecure: true
  url: oci://${env.registry}/${ociPath}
---
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: app
  namespace: ${appNs}
spec:
  interval: 10m
  timeout: 20s
  chart:
    spec:
      chart: app
      version: "~1.0"
      sourceRef:
        kind: HelmRepository
        name: charts
  install:
    crds: CreateReplace
  valuesFrom:
    - kind: ConfigMap
      name: app-values
    - kind: ConfigMap
      name: app-values
      valuesKey: extra
      targetPath: extra
    - kind: Secret
      name: not-there
      optional: true
  values:
    image: registry.example/app:2
    blockingHook: ${blocking}
${values}
  postRenderers:
    - kustomize:
        patches:
          - target: { kind: Deployment }
            patch: |
              - op: add
                path: /metadata/annotations
                value: { post-rendered: "yes" }
---
apiVersion: helm.toolkit.fluxcd.io/v2beta1
kind: HelmRelease
metadata:
  name: web
  namespace: ${appNs}
spec:
  interval: 10m
  targetNamespace: ${webNs}
  chart:
    spec:
      chart: web
      version: ">=0.1.0 <1.0.0"
      sourceRef:
        kind: HelmRepository
        name: oci
  install:
    crds: Skip
`;
  const repo = await createGitRepo(env, t);
  await pushChanges(repo, "main", { "apps/releases.yaml": release("", true) }, "releases");
  const config = writeConfig(`namespace: ${agentNs}\nsources:\n  - name: repo\n    url: ${repo.httpUrl}\n    ref: { branch: main }\nsyncs:\n  - name: apps\n    sourceRef: repo\n    path: ./apps\n    timeout: 2m\n`);
  const args = ["agent", ...agentArgs(env, config, cacheDir()), "--once"];
  const agentEnv = { SLIPWAY_HELM: helm };
  const exists = async (kind: string, name: string, ns: string): Promise<boolean> => (await kubectl(env, ["get", kind, name, "-n", ns, "--ignore-not-found", "-o", "name"])).trim() !== "";

  // 1. The blocking pre-install hook never becomes ready: the release's objects are not applied.
  const r0 = await runSlipway(args, { env: agentEnv });
  assert.equal((await readStatus(env, agentNs, "apps"))?.ready, "True", `the holder is Ready: the release fails alone\n${r0.stderr}`);
  assert.equal((await readStatus(env, agentNs, helmReleaseKey(appNs, "web")))?.ready, "True", "the other release is Ready");
  const s0 = await readStatus(env, agentNs, helmReleaseKey(appNs, "app"));
  assert.equal(s0?.ready, "False", r0.stderr);
  assert.match(s0?.message ?? "", /apps\/releases\.yaml:\d+: HelmRelease\/[a-z0-9-]+\/app: .*hook Pod\/[a-z0-9-]+\/app-blocking \(pre-install\)/);
  assert.equal(await exists("deployment", "app", appNs), false, "nothing of the release applied while its pre-install hook is not ready");
  assert.equal(await exists("configmap", "app-config", appNs), false);

  // 2. Without it: pre-install Job done before the Deployment exists, post-install hook after.
  await pushChanges(repo, "main", { "apps/releases.yaml": release("", false) }, "no blocking hook");
  const r1 = await runSlipway(args, { env: agentEnv });
  const s1 = await readStatus(env, agentNs, helmReleaseKey(appNs, "app"));
  assert.equal(s1?.ready, "True", `${s1?.message ?? ""}\n${r1.stderr}`);
  const cm = JSON.parse(await kubectl(env, ["get", "configmap", "app-config", "-n", appNs, "-o", "json"])) as { data: Record<string, string>; metadata: { labels: Record<string, string> } };
  assert.deepEqual(cm.data, { greeting: "from-configmap", chartVersion: "1.0.3", extra: "set-by-target-path" });
  assert.equal(cm.metadata.labels["helm.toolkit.fluxcd.io/name"], "app");
  assert.equal(cm.metadata.labels["applyset.kubernetes.io/part-of"], parentId(parentRef(helmReleaseKey(appNs, "app"), agentNs)), "the release's own set");
  const dep = JSON.parse(await kubectl(env, ["get", "deployment", "app", "-n", appNs, "-o", "json"])) as { spec: { replicas: number; template: { spec: { containers: { image: string }[] } } }; metadata: { annotations: Record<string, string>; creationTimestamp: string } };
  assert.equal(dep.spec.replicas, 2);
  assert.equal(dep.spec.template.spec.containers[0]?.image, "registry.example/app:2");
  assert.equal(dep.metadata.annotations["post-rendered"], "yes");
  const job = JSON.parse(await kubectl(env, ["get", "job", "app-migrate", "-n", appNs, "-o", "json"])) as { status: { completionTime?: string }; metadata: { labels?: Record<string, string> } };
  assert.ok(job.status.completionTime, "the pre-install Job completed");
  assert.ok(Date.parse(job.status.completionTime) <= Date.parse(dep.metadata.creationTimestamp), "the pre-install Job completed before the Deployment was created");
  assert.equal(job.metadata.labels?.["applyset.kubernetes.io/part-of"], undefined, "hooks are not ApplySet members");
  const post = JSON.parse(await kubectl(env, ["get", "configmap", "app-post", "-n", appNs, "-o", "json"])) as { metadata: { creationTimestamp: string } };
  assert.ok(Date.parse(post.metadata.creationTimestamp) >= Date.parse(dep.metadata.creationTimestamp), "the post-install hook came after the release");
  assert.equal(await exists("pod", "app-test", appNs), false, "test hooks never run");
  assert.equal(await exists("configmap", "app-pre-delete", appNs), false, "pre-delete hooks never run");
  assert.equal(await exists("crd", "widgets-app.example.com", ""), true, "install.crds CreateReplace applies the chart's CRDs");
  // The OCI release, in its targetNamespace, without its CRD (install.crds Skip).
  assert.equal(await exists("deployment", `${webNs}-web`, webNs), true);
  assert.equal(await exists("crd", "widgets-web.example.com", ""), false);
  // No Flux object reached the API server.
  assert.equal((await kubectl(env, ["get", "crd", "-o", "name"])).includes("helm.toolkit.fluxcd.io"), false);

  const get = await runSlipway(["get", "helmreleases", "-A", "-n", agentNs, "--kubeconfig", env.kubeconfig]);
  assert.equal(get.code, 0, get.stderr);
  const lines = get.stdout.trim().split("\n");
  assert.match(lines[0] ?? "", /^NAMESPACE\s+NAME\s+CHART\s+VERSION\s+REVISION\s+READY\s+MESSAGE$/);
  assert.match(get.stdout, new RegExp(`${appNs}\\s+app\\s+app\\s+1\\.0\\.3\\s+1\\s+True\\s+Helm install succeeded`));
  assert.match(get.stdout, new RegExp(`${appNs}\\s+web\\s+web\\s+0\\.1\\.0\\s+1\\s+True`));

  // 3. A no-op run: same revision, the hooks are not run again.
  const jobUid = await kubectl(env, ["get", "job", "app-migrate", "-n", appNs, "-o", "jsonpath={.metadata.uid}"]);
  await runSlipway(args, { env: agentEnv });
  assert.equal(await kubectl(env, ["get", "job", "app-migrate", "-n", appNs, "-o", "jsonpath={.metadata.uid}"]), jobUid);
  const again = await runSlipway(["get", "helmreleases", "-A", "-n", agentNs, "--kubeconfig", env.kubeconfig, "-o", "json"]);
  const rows = (JSON.parse(again.stdout) as { helmreleases: { name: string; revision: number }[] }).helmreleases;
  assert.equal(rows.find((r) => r.name === "app")?.revision, 1);

  // 4. A values change: revision 2, an upgrade (post-upgrade hook re-run, pre-install not).
  await pushChanges(repo, "main", { "apps/releases.yaml": release("    greeting: upgraded", false) }, "upgrade");
  await runSlipway(args, { env: agentEnv });
  assert.equal(await kubectl(env, ["get", "configmap", "app-config", "-n", appNs, "-o", "jsonpath={.data.greeting}"]), "upgraded");
  assert.equal(await kubectl(env, ["get", "configmap", "app-post", "-n", appNs, "-o", "jsonpath={.data.greeting}"]), "upgraded");
  assert.equal(await kubectl(env, ["get", "job", "app-migrate", "-n", appNs, "-o", "jsonpath={.metadata.uid}"]), jobUid);
  const third = await runSlipway(["get", "helmreleases", "-A", "-n", agentNs, "--kubeconfig", env.kubeconfig, "-o", "json"]);
  assert.equal((JSON.parse(third.stdout) as { helmreleases: { name: string; revision: number }[] }).helmreleases.find((r) => r.name === "app")?.revision, 2);
  assert.equal(await exists("deployment", "app", appNs), true);
  await kubectl(env, ["delete", "crd", "widgets-app.example.com", "--ignore-not-found", "--wait=false"]);
});

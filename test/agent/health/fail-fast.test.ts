// Fail fast and Suspended against real controllers: waitHealthy stops at once for a Deployment
// whose Pod waits in ImagePullBackOff (naming the Pod), and does not wait for a paused one.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createNamespace, integration, kubectl } from "../../env/harness.ts";
import { createKubeClient } from "../../../agent/kube/kube-client.ts";
import type { KubeObject } from "../../../agent/kube/kube-object.ts";
import { waitHealthy } from "../../../agent/health/wait-healthy.ts";

test("a Deployment whose Pod is in ImagePullBackOff fails at once, naming the Pod, container and reason", async (t) => {
  const env = integration(t);
  if (!env) return;
  const ns = await createNamespace(env, t, "failfast");
  const client = await createKubeClient({ kubeconfig: env.kubeconfig });
  t.after(() => client.close());
  // No node matches the selector, so the Pod stays Pending and no kwok node rewrites its status;
  // the kubelet's ImagePullBackOff is then written through the status subresource.
  const deployment: KubeObject = {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web", namespace: ns },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: "web" } },
      template: { metadata: { labels: { app: "web" } }, spec: { nodeSelector: { "slipway.test/none": "x" }, containers: [{ name: "app", image: "registry.invalid/web:2" }] } },
    },
  };
  await kubectl(env, ["apply", "-f", "-"], { input: JSON.stringify(deployment) });
  let pod = "";
  for (let i = 0; i < 120 && !pod; i++) {
    pod = (await kubectl(env, ["get", "pods", "-n", ns, "-l", "app=web", "-o", "jsonpath={.items[0].metadata.name}"])).trim();
    if (!pod) await kubectl(env, ["wait", "--for=create", "pod", "-l", "app=web", "-n", ns, "--timeout=30s"]).catch(() => undefined);
  }
  const status = { status: { containerStatuses: [{ name: "app", image: "registry.invalid/web:2", imageID: "", ready: false, restartCount: 0, state: { waiting: { reason: "ImagePullBackOff", message: 'Back-off pulling image "registry.invalid/web:2"' } } }] } };
  await kubectl(env, ["patch", "pod", pod, "-n", ns, "--subresource=status", "--type=merge", "-p", JSON.stringify(status)]);
  const started = Date.now();
  const report = await waitHealthy({ client, objects: [deployment], timeoutMs: 120_000, intervalMs: 500, signal: AbortSignal.timeout(150_000) });
  assert.equal(report.healthy, false);
  assert.equal(report.objects[0]?.status, "Failed", report.message);
  assert.equal(report.objects[0]?.message, `deployment "web": pod "${pod}" container "app" is in ImagePullBackOff: Back-off pulling image "registry.invalid/web:2"`);
  assert.ok(Date.now() - started < 60_000, "it failed at once, not at the timeout");
});

test("a paused Deployment is reported Suspended and not waited on", async (t) => {
  const env = integration(t);
  if (!env) return;
  const ns = await createNamespace(env, t, "paused");
  const client = await createKubeClient({ kubeconfig: env.kubeconfig });
  t.after(() => client.close());
  const deployment: KubeObject = {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web", namespace: ns },
    spec: { paused: true, replicas: 2, selector: { matchLabels: { app: "web" } }, template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "app", image: "registry.invalid/web:1" }] } } },
  };
  await kubectl(env, ["apply", "-f", "-"], { input: JSON.stringify(deployment) });
  const report = await waitHealthy({ client, objects: [deployment], timeoutMs: 120_000, intervalMs: 500, signal: AbortSignal.timeout(150_000) });
  assert.equal(report.objects[0]?.status, "Suspended", report.message);
  assert.match(report.objects[0]?.message ?? "", /^deployment "web" is paused/);
  assert.ok(report.durationMs < 60_000, "reported, not waited on until the timeout");
});

/** `slipway health`: offline from a file, live from the cluster; status, message and exit code. */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { exitCodeOf, healthOfDocuments, parseObjectReference } from "../../cli/commands/health.ts";
import { createNamespace, integration, kubectl } from "../env/harness.ts";
import { runCli } from "./run-cli.ts";

const fixtures = path.resolve(import.meta.dirname, "../fixtures/health");

function objectOf(fixture: string): string {
  const text = readFileSync(path.join(fixtures, fixture), "utf8");
  return text.split("\nobject:\n")[1] ?? "";
}

test("-f prints the status and message and exits by the status", async () => {
  const dir = mkdtempSync(path.join(tmpdir(), "slipway-health-"));
  const cases: [string, number, RegExp][] = [
    ["deployment-current.yaml", 0, /Deployment\/shop\/web\s+Current\s+deployment "web" successfully rolled out/],
    ["deployment-deadline.yaml", 1, /Failed\s+deployment ".*" exceeded its progress deadline/],
    ["deployment-updating.yaml", 3, /InProgress\s+Waiting for deployment/],
    ["deployment-terminating.yaml", 4, /Terminating/],
    ["deployment-paused.yaml", 6, /Suspended\s+deployment "web" is paused/],
  ];
  for (const [fixture, code, out] of cases) {
    const file = path.join(dir, fixture);
    writeFileSync(file, objectOf(fixture).replace(/^ {2}/gm, ""));
    const r = await runCli(["health", "-f", file]);
    assert.equal(r.code, code, `${fixture}: ${r.stdout}${r.stderr}`);
    assert.match(r.stdout, out, fixture);
  }
});

test("-f with a workload and its Pods fails fast on ImagePullBackOff, naming the Pod; -o json", async () => {
  const yaml = `apiVersion: apps/v1
kind: Deployment
metadata: { name: web, namespace: shop, generation: 1 }
spec:
  replicas: 1
  selector: { matchLabels: { app: web } }
  template: { spec: { containers: [{ name: app, image: reg/web:2 }] } }
status: { observedGeneration: 1, replicas: 1, updatedReplicas: 1 }
---
apiVersion: v1
kind: Pod
metadata: { name: web-7f-x, namespace: shop, labels: { app: web } }
spec: { containers: [{ name: app, image: reg/web:2 }] }
status:
  phase: Pending
  containerStatuses: [{ name: app, state: { waiting: { reason: ImagePullBackOff, message: 'Back-off pulling image "reg/web:2"' } } }]
`;
  const r = await runCli(["health", "-f", "-", "-o", "json"], { input: yaml });
  assert.equal(r.code, 1, r.stderr);
  const verdicts = JSON.parse(r.stdout) as { object: string; status: string; message: string }[];
  assert.deepEqual(verdicts[0], { object: "Deployment/shop/web", status: "Failed", message: 'deployment "web": pod "web-7f-x" container "app" is in ImagePullBackOff: Back-off pulling image "reg/web:2"' });
});

test("bad input: a file that is not an object names the file and line; a bad reference names it; exit 2 for usage", async () => {
  assert.throws(() => healthOfDocuments("a: 1\n", "x.yaml"), /^SlipwayError: x\.yaml:1: not a Kubernetes object/);
  assert.throws(() => healthOfDocuments("kind: [\n", "y.yaml"), /^SlipwayError: y\.yaml/);
  assert.throws(() => parseObjectReference("deployment"), /want KIND\/NAMESPACE\/NAME/);
  assert.throws(() => parseObjectReference("Gizmo/ns/x"), /unknown kind "Gizmo": write it as Kind\.version\.group/);
  assert.deepEqual(parseObjectReference("deploy/shop/web"), { apiVersion: "apps/v1", kind: "Deployment", namespace: "shop", name: "web" });
  assert.deepEqual(parseObjectReference("Widget.v1.example.com/w"), { apiVersion: "example.com/v1", kind: "Widget", name: "w" });
  assert.equal(exitCodeOf([{ status: "Current", message: "" }, { status: "Suspended", message: "" }, { status: "InProgress", message: "" }]), 3);
  const r = await runCli(["health"]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /want -f OBJECT\.yaml or one KIND\/NAMESPACE\/NAME/);
});

test("KIND/NAMESPACE/NAME reads the live object through the kubeconfig", async (t) => {
  const env = integration(t);
  if (!env) return;
  const ns = await createNamespace(env, t, "health");
  await kubectl(env, ["create", "configmap", "settings", "-n", ns, "--from-literal=a=b"]);
  const cm = await runCli(["health", `configmap/${ns}/settings`, "--kubeconfig", env.kubeconfig]);
  assert.equal(cm.code, 0, cm.stderr);
  assert.match(cm.stdout, new RegExp(`ConfigMap/${ns}/settings\\s+Current`));
  const missing = await runCli(["health", `deploy/${ns}/nope`, "--kubeconfig", env.kubeconfig, "-o", "json"]);
  assert.equal(missing.code, 5, missing.stderr);
  assert.equal((JSON.parse(missing.stdout) as { status: string }).status, "NotFound");
  await kubectl(env, ["create", "deployment", "paused", "-n", ns, "--image=registry.invalid/x:1"]);
  await kubectl(env, ["rollout", "pause", "deployment/paused", "-n", ns]);
  const paused = await runCli(["health", `deployment/${ns}/paused`, "--kubeconfig", env.kubeconfig]);
  assert.equal(paused.code, 6, paused.stdout + paused.stderr);
  assert.match(paused.stdout, /Suspended\s+deployment "paused" is paused/);
});

// Smoke test: the local control plane applies a Deployment server-side, kwok's fake nodes make
// its Pods Running and Ready so that it becomes Available, and RBAC is enforced.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createNamespace, integration, kubectl } from "../env/harness.ts";

interface NodeList {
  items: { metadata: { name: string }; status: { conditions?: { type: string; status: string }[] } }[];
}

test("nodes are Ready and the API server runs the pinned version", async (t) => {
  const env = integration(t);
  if (!env) return;
  const nodes = JSON.parse(await kubectl(env, ["get", "nodes", "-o", "json"])) as NodeList;
  const ready = nodes.items.filter((n) => n.status.conditions?.some((c) => c.type === "Ready" && c.status === "True"));
  assert.ok(ready.length >= 2, `Ready nodes: ${ready.map((n) => n.metadata.name).join(", ")}`);
  const version = JSON.parse(await kubectl(env, ["version", "-o", "json"])) as { serverVersion?: { gitVersion?: string } };
  assert.equal(version.serverVersion?.gitVersion, env.kubeVersion);
});

test("server-side applied Deployment becomes Available and reads back with kubectl", async (t) => {
  const env = integration(t);
  if (!env) return;
  const ns = await createNamespace(env, t, "smoke");
  const manifest = `
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: ${ns}
  labels: {app.kubernetes.io/name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - name: web
          image: 127.0.0.1:5000/shop/web:1.0.0
          ports: [{containerPort: 8080}]
`;
  const applied = await kubectl(env, ["apply", "--server-side", "--field-manager=slipway-smoke", "-f", "-"], { input: manifest });
  assert.match(applied, new RegExp(`deployment.apps/web serverside-applied`));
  await kubectl(env, ["-n", ns, "rollout", "status", "deployment/web", "--timeout=90s"]);

  const dep = JSON.parse(await kubectl(env, ["-n", ns, "get", "deployment", "web", "-o", "json", "--show-managed-fields"])) as {
    spec: { template: { spec: { containers: { image: string }[] } } };
    status: { availableReplicas?: number; conditions?: { type: string; status: string }[] };
    metadata: { managedFields?: { manager: string; operation: string }[] };
  };
  assert.equal(dep.spec.template.spec.containers[0]?.image, "127.0.0.1:5000/shop/web:1.0.0");
  assert.equal(dep.status.availableReplicas, 2);
  assert.ok(dep.status.conditions?.some((c) => c.type === "Available" && c.status === "True"));
  assert.ok(dep.metadata.managedFields?.some((f) => f.manager === "slipway-smoke" && f.operation === "Apply"));

  const pods = JSON.parse(await kubectl(env, ["-n", ns, "get", "pods", "-l", "app=web", "-o", "json"])) as {
    items: { status: { phase: string }; spec: { nodeName?: string } }[];
  };
  assert.equal(pods.items.length, 2);
  for (const p of pods.items) {
    assert.equal(p.status.phase, "Running");
    assert.match(p.spec.nodeName ?? "", /^kwok-node-/);
  }

  // Server-side dry-run leaves the object as it was.
  await kubectl(env, ["apply", "--server-side", "--field-manager=slipway-smoke", "--dry-run=server", "-f", "-"], { input: manifest.replace("web:1.0.0", "web:9.9.9") });
  assert.equal(await kubectl(env, ["-n", ns, "get", "deployment", "web", "-o", "jsonpath={.spec.template.spec.containers[0].image}"]), "127.0.0.1:5000/shop/web:1.0.0");
});

test("RBAC is enforced for impersonated service accounts", async (t) => {
  const env = integration(t);
  if (!env) return;
  const ns = await createNamespace(env, t, "smoke-rbac");
  const sa = `system:serviceaccount:${ns}:default`;
  await assert.rejects(kubectl(env, ["--as", sa, "-n", ns, "get", "configmaps"]), /forbidden/);
  await kubectl(env, ["-n", ns, "create", "role", "read-cm", "--verb=get,list", "--resource=configmaps"]);
  await kubectl(env, ["-n", ns, "create", "rolebinding", "read-cm", "--role=read-cm", `--serviceaccount=${ns}:default`]);
  // RBAC caches settle quickly; allow a short bounded wait.
  let out = "";
  for (let i = 0; i < 20 && out === ""; i++) {
    out = await kubectl(env, ["--as", sa, "-n", ns, "get", "configmaps", "-o", "name"]).catch(() => "");
    if (out === "") await new Promise((r) => setTimeout(r, 250));
  }
  assert.match(out, /configmap\/kube-root-ca.crt/);
});

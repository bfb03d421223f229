// Our ApplySet records agree with kubectl's own (`kubectl apply --prune --applyset`, the KEP's
// reference implementation), on the real control plane.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createNamespace, integration, kubectl } from "../../env/harness.ts";
import { run } from "../../../core/exec.ts";
import { parentId, readParent } from "../../../agent/applyset/applyset-parent.ts";
import type { KubeObject } from "../../../agent/kube/kube-object.ts";

test("kubectl computes the same ApplySet id for a ConfigMap parent, and we refuse its set", async (t) => {
  const env = integration(t);
  if (!env) return;
  const ns = await createNamespace(env, t, "aset");
  const manifest = `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: member, namespace: ${ns}}\ndata: {a: b}\n`;
  await run("kubectl", ["--kubeconfig", env.kubeconfig, "apply", "--server-side", "--prune", "--applyset=configmap/slipway-demo", "-n", ns, "-f", "-"], {
    input: manifest,
    env: { ...process.env, KUBECTL_APPLYSET: "true" },
  });
  const parent = JSON.parse(await kubectl(env, ["get", "configmap", "slipway-demo", "-n", ns, "-o", "json"])) as KubeObject;
  const ref = { name: "slipway-demo", namespace: ns };
  assert.equal(parent.metadata.labels?.["applyset.kubernetes.io/id"], parentId(ref));
  assert.equal(parent.metadata.annotations?.["applyset.kubernetes.io/contains-group-kinds"], "ConfigMap");
  const member = JSON.parse(await kubectl(env, ["get", "configmap", "member", "-n", ns, "-o", "json"])) as KubeObject;
  assert.equal(member.metadata.labels?.["applyset.kubernetes.io/part-of"], parentId(ref));
  assert.throws(() => readParent(parent, ref), /is managed by kubectl\/v\d/);
});

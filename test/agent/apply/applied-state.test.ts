// The no-op without dry-runs: objects unchanged on both sides since the last apply cost no
// request of their own; every hand edit still goes through the dry-run path and is put back.
import { test } from "node:test";
import assert from "node:assert/strict";
import { kubectl } from "../../env/harness.ts";
import { AppliedState, desiredDigest, liveFingerprint } from "../../../agent/apply/applied-state.ts";
import { countersSince, type RequestCounters } from "../../../agent/kube/kube-client.ts";
import type { KubeObject } from "../../../agent/kube/kube-object.ts";
import { pollUntil } from "../../../core/poll.ts";
import { cm, deployment, lines, setup } from "../sync/sync-fixture.ts";

const deploy = (over: Partial<KubeObject["metadata"]> = {}): KubeObject => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "web", namespace: "ns", uid: "u1", generation: 3, resourceVersion: "10", labels: { a: "1" }, ...over },
  spec: {},
});

test("fingerprint: generation kinds ignore status writes, but not labels, annotations, generation or main-resource managers", () => {
  const base = liveFingerprint(deploy({ managedFields: [{ manager: "slipway", operation: "Apply" }] }));
  // A status write by a controller: new resourceVersion, status-subresource managed fields.
  assert.equal(liveFingerprint(deploy({ resourceVersion: "11", managedFields: [{ manager: "slipway", operation: "Apply" }, { manager: "kcm", subresource: "status" }] })), base);
  assert.notEqual(liveFingerprint(deploy({ generation: 4, managedFields: [{ manager: "slipway", operation: "Apply" }] })), base);
  assert.notEqual(liveFingerprint(deploy({ labels: { a: "2" }, managedFields: [{ manager: "slipway", operation: "Apply" }] })), base);
  assert.notEqual(liveFingerprint(deploy({ annotations: { x: "y" }, managedFields: [{ manager: "slipway", operation: "Apply" }] })), base);
  assert.notEqual(liveFingerprint(deploy({ managedFields: [{ manager: "slipway", operation: "Apply" }, { manager: "kubectl-edit", operation: "Update" }] })), base);
  assert.notEqual(liveFingerprint(deploy({ uid: "u2", managedFields: [{ manager: "slipway", operation: "Apply" }] })), base);
});

test("fingerprint: other kinds change with every write (resourceVersion)", () => {
  const c = (rv: string): KubeObject => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c", namespace: "ns", uid: "u", resourceVersion: rv } });
  assert.equal(liveFingerprint(c("5")), liveFingerprint(c("5")));
  assert.notEqual(liveFingerprint(c("5")), liveFingerprint(c("6")));
});

test("state: unchanged only for the recorded desired digest and live fingerprint; retain drops what left the build", () => {
  const s = new AppliedState();
  const obj: KubeObject = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c", namespace: "ns" }, data: { k: "v" } };
  const live: KubeObject = { ...obj, metadata: { ...obj.metadata, uid: "u", resourceVersion: "7" } };
  s.record(obj, desiredDigest(obj), live);
  assert.equal(s.unchanged(obj, desiredDigest(obj), live), true);
  const edited = { ...obj, data: { k: "w" } };
  assert.equal(s.unchanged(edited, desiredDigest(edited), live), false);
  assert.equal(s.unchanged(obj, desiredDigest(obj), { ...live, metadata: { ...live.metadata, resourceVersion: "8" } }), false);
  s.retain([]);
  assert.equal(s.size, 0);
  assert.equal(s.unchanged(obj, desiredDigest(obj), live), false);
});

test("a no-op apply sends no dry-run and no PATCH for unchanged objects; every hand edit is still put back", async (t) => {
  const c = await setup(t);
  if (!c) return;
  const counters = c.client.counters as RequestCounters;
  const state = new AppliedState();
  const svc = (ns: string): KubeObject => ({ apiVersion: "v1", kind: "Service", metadata: { name: "web", namespace: ns, labels: { tier: "front" } }, spec: { selector: { app: "web" }, ports: [{ port: 80 }] } });
  const web = (): KubeObject => {
    const d = deployment(c.ns, "web", { replicas: 2 });
    return { ...d, metadata: { ...d.metadata, labels: { tier: "front" } } };
  };
  let confMode = "git";
  const build = (): KubeObject[] => [web(), svc(c.ns), cm(c.ns, "conf", { mode: confMode }), cm(c.ns, "other", { k: "v" }, { annotations: { owner: "git" } }), cm(c.ns, "gone", { k: "v" })];
  const apply = async (): Promise<{ lines: string[]; sent: RequestCounters }> => {
    const before = structuredClone(counters);
    const out = await c.apply(build(), { applied: state });
    assert.deepEqual(out.errors, []);
    return { lines: lines(out), sent: countersSince(before, counters) };
  };
  await apply();
  // The Deployment controller annotates the Deployment once it has seen it: wait for that, so the
  // next apply has settled objects to compare (a write the agent did not make costs one dry-run).
  await pollUntil(async () => {
    const d = await c.get(["deployment", "web", "-n", c.ns]);
    return (d?.status as { observedGeneration?: number } | undefined)?.observedGeneration === d?.metadata.generation ? true : undefined;
  }, { intervalMs: 200, timeoutMs: 30_000 });
  await apply();

  const noop = await apply();
  assert.ok(noop.lines.every((l) => l.endsWith(" unchanged")), noop.lines.join("\n"));
  assert.equal(noop.sent.dryRun, 0, "dry-runs in a no-op apply");
  // The ApplySet parent already records the set (old + new members and the exact set are the
  // same): neither of its writes is sent either.
  assert.equal(noop.sent.byMethod.PATCH, 0, "PATCHes in a no-op apply");
  assert.equal(noop.sent.byMethod.DELETE + noop.sent.byMethod.PUT + noop.sent.byMethod.POST, 0);
  // A hand edit of the parent's record is put back by the next apply.
  await kubectl(c.env, ["annotate", "configmap", `slipway-${c.sync}`, "-n", c.ns, "--overwrite", "applyset.kubernetes.io/contains-group-kinds=ConfigMap"]);
  const reRecorded = await apply();
  assert.ok(reRecorded.sent.byMethod.PATCH >= 1, "the parent is written again");
  assert.equal((await c.get(["configmap", `slipway-${c.sync}`, "-n", c.ns]))?.metadata.annotations?.["applyset.kubernetes.io/contains-group-kinds"], "ConfigMap,Deployment.apps,Service");

  // Every kind of hand edit the drift tests make, on both kinds of fingerprint.
  await kubectl(c.env, ["scale", "deployment/web", "-n", c.ns, "--replicas=5"]);
  await kubectl(c.env, ["patch", "configmap/conf", "-n", c.ns, "--type=merge", "-p", '{"data":{"mode":"hand","extra":"x"}}']);
  await kubectl(c.env, ["label", "service/web", "-n", c.ns, "--overwrite", "tier=back"]);
  await kubectl(c.env, ["annotate", "configmap/other", "-n", c.ns, "--overwrite", "owner=hand"]);
  await kubectl(c.env, ["delete", "configmap/gone", "-n", c.ns]);
  const fixed = await apply();
  assert.deepEqual(fixed.lines.sort(), [
    `ConfigMap/${c.ns}/conf configured`,
    `ConfigMap/${c.ns}/gone created`,
    `ConfigMap/${c.ns}/other configured`,
    `Deployment/${c.ns}/web configured`,
    `Service/${c.ns}/web configured`,
  ]);
  // One dry-run per edited object; the deleted one is created without one.
  assert.equal(fixed.sent.dryRun, 4);
  assert.equal(((await c.get(["deployment", "web", "-n", c.ns]))?.spec as { replicas?: number }).replicas, 2);
  assert.deepEqual((await c.get(["configmap", "conf", "-n", c.ns]))?.data, { mode: "git" });
  assert.equal((await c.get(["service", "web", "-n", c.ns]))?.metadata.labels?.tier, "front");
  assert.equal((await c.get(["configmap", "other", "-n", c.ns]))?.metadata.annotations?.owner, "git");
  assert.ok(await c.get(["configmap", "gone", "-n", c.ns]));

  // A label edit on a generation kind (no new generation) is caught too.
  await kubectl(c.env, ["label", "deployment/web", "-n", c.ns, "--overwrite", "tier=hand"]);
  const labelled = await apply();
  assert.ok(labelled.lines.includes(`Deployment/${c.ns}/web configured`), labelled.lines.join("\n"));
  assert.equal(labelled.sent.dryRun, 1);
  assert.equal((await c.get(["deployment", "web", "-n", c.ns]))?.metadata.labels?.tier, "front");

  // A body git changed is written at once: no dry-run to decide what the write decides anyway.
  confMode = "git-2";
  const changed = await apply();
  assert.deepEqual(changed.lines.filter((l) => !l.endsWith(" unchanged")), [`ConfigMap/${c.ns}/conf configured`]);
  assert.equal(changed.sent.dryRun, 0, "dry-runs for a body git changed");
  assert.equal(changed.sent.byMethod.PATCH, 1, "the one write");
  assert.deepEqual((await c.get(["configmap", "conf", "-n", c.ns]))?.data, { mode: "git-2" });
});

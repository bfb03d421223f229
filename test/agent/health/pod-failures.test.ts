/** Fail fast: a workload's Pods in ImagePullBackOff, ErrImagePull or CrashLoopBackOff fail it at once. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { podLabelSelector, workloadPodFailure } from "../../../agent/health/pod-failures.ts";
import type { KubeObject } from "../../../agent/kube/kube-object.ts";

const deployment: KubeObject = {
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "web", namespace: "shop" },
  spec: {
    selector: { matchLabels: { app: "web" }, matchExpressions: [{ key: "tier", operator: "In", values: ["front"] }] },
    template: { spec: { containers: [{ name: "app", image: "reg/web:2" }] } },
  },
};

function pod(name: string, image: string, waiting?: { reason: string; message?: string }, extra: Partial<KubeObject["metadata"]> = {}, init = false): KubeObject {
  const statuses = [{ name: "app", state: waiting ? { waiting } : { running: {} } }];
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "shop", labels: { app: "web", tier: "front" }, ...extra },
    spec: { containers: [{ name: "app", image }] },
    status: init ? { initContainerStatuses: statuses } : { containerStatuses: statuses },
  };
}

test("a Pod of the current revision in ImagePullBackOff fails the Deployment, naming the Pod, container, reason and message", () => {
  const got = workloadPodFailure(deployment, [pod("web-1", "reg/web:2"), pod("web-2", "reg/web:2", { reason: "ImagePullBackOff", message: 'Back-off pulling image "reg/web:2"' })]);
  assert.deepEqual(got, { status: "Failed", message: 'deployment "web": pod "web-2" container "app" is in ImagePullBackOff: Back-off pulling image "reg/web:2"' });
});

test("ErrImagePull and CrashLoopBackOff fail too, init containers included", () => {
  assert.match(workloadPodFailure(deployment, [pod("a", "reg/web:2", { reason: "ErrImagePull" })])?.message ?? "", /pod "a" container "app" is in ErrImagePull$/);
  assert.match(workloadPodFailure(deployment, [pod("b", "reg/web:2", { reason: "CrashLoopBackOff" }, {}, true)])?.message ?? "", /is in CrashLoopBackOff/);
});

test("Pods that do not count are ignored: other revision, other selector, other namespace, being deleted, other reasons", () => {
  const pods = [
    pod("old", "reg/web:1", { reason: "CrashLoopBackOff" }), // the version being replaced
    pod("other", "reg/web:2", { reason: "ImagePullBackOff" }, { labels: { app: "web", tier: "back" } }),
    pod("elsewhere", "reg/web:2", { reason: "ImagePullBackOff" }, { namespace: "other" }),
    pod("going", "reg/web:2", { reason: "ImagePullBackOff" }, { deletionTimestamp: "2026-01-01T00:00:00Z" }),
    pod("creating", "reg/web:2", { reason: "ContainerCreating" }),
  ];
  assert.equal(workloadPodFailure(deployment, pods), undefined);
});

test("a StatefulSet's Pods count when they carry its update revision", () => {
  const sts: KubeObject = { apiVersion: "apps/v1", kind: "StatefulSet", metadata: { name: "db", namespace: "shop" }, spec: { selector: { matchLabels: { app: "web" } } }, status: { updateRevision: "db-2" } };
  const stale = pod("db-0", "x", { reason: "CrashLoopBackOff" }, { labels: { app: "web", "controller-revision-hash": "db-1" } });
  const fresh = pod("db-1", "x", { reason: "CrashLoopBackOff" }, { labels: { app: "web", "controller-revision-hash": "db-2" } });
  assert.equal(workloadPodFailure(sts, [stale]), undefined);
  assert.equal(workloadPodFailure(sts, [stale, fresh])?.message, 'statefulset "db": pod "db-1" container "app" is in CrashLoopBackOff');
});

test("the label selector to list a workload's Pods", () => {
  assert.equal(podLabelSelector(deployment), "app=web,tier in (front)");
  assert.equal(podLabelSelector({ ...deployment, spec: {} }), undefined);
});

/**
 * The differential suite for health: generated objects of every kind kstatus has rules for (and
 * custom kinds), with random generations, deletion, spec and status fields and conditions, each
 * judged by Slipway's computeStatus and by kstatus' Compute (the oracle). Statuses must agree;
 * messages differ on purpose (Slipway speaks `kubectl rollout status`).
 *
 * Pinned divergences (Slipway differs on purpose):
 * - a Deployment with `spec.paused: true` is Suspended, as Argo CD reports it, so that a sync
 *   does not wait for a rollout that cannot happen; kstatus has no such status;
 * - a Pod in a phase Kubernetes does not define: kstatus returns an error, Slipway InProgress.
 */
import fc from "fast-check";
import { computeStatus } from "../../agent/health/compute-status.ts";
import type { KubeObject } from "../../agent/kube/kube-object.ts";
import type { Oracle } from "../env/oracle.ts";

const small = fc.integer({ min: 0, max: 3 });
const maybe = <T>(a: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> => fc.option(a, { nil: undefined, freq: 3 });
const conditionType = fc.constantFrom("Ready", "Reconciling", "Stalled", "Progressing", "Available", "Complete", "Failed", "PodScheduled", "ReplicaFailure", "NamesAccepted", "Established");
const reason = fc.constantFrom("ProgressDeadlineExceeded", "NewReplicaSetAvailable", "ReplicaSetUpdated", "Unschedulable", "Installing", "NoConflicts", "X", "");
const condition = fc.record({ type: conditionType, status: fc.constantFrom("True", "False", "Unknown", "Maybe"), reason, message: fc.constantFrom("m", "") });
const kinds: [string, string][] = [
  ["apps/v1", "Deployment"], ["extensions/v1beta1", "Deployment"], ["apps/v1", "StatefulSet"], ["apps/v1", "DaemonSet"], ["extensions/v1beta1", "DaemonSet"],
  ["apps/v1", "ReplicaSet"], ["extensions/v1beta1", "ReplicaSet"], ["apps/v1beta1", "StatefulSet"],
  ["batch/v1", "Job"], ["v1", "Pod"], ["v1", "PersistentVolumeClaim"], ["v1", "Service"], ["apiextensions.k8s.io/v1", "CustomResourceDefinition"],
  ["policy/v1", "PodDisruptionBudget"], ["v1", "Secret"], ["v1", "ConfigMap"], ["batch/v1", "CronJob"], ["example.com/v1", "Widget"], ["v1", "Widget"],
];

/** Generated objects; creation times are an hour ago, a minute ago or an hour ahead of now (the Pod grace period counts from creation). */
export const objectArb: fc.Arbitrary<KubeObject> = fc
  .record({
    kind: fc.constantFrom(...kinds),
    generation: maybe(fc.integer({ min: 1, max: 3 })),
    observedGeneration: maybe(fc.integer({ min: 1, max: 3 })),
    deleting: fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
    settled: fc.integer({ min: 0, max: 2 }),
    created: fc.constantFrom(-3_600_000, -60_000, 3_600_000, undefined),
    spec: fc.record(
      {
        replicas: small,
        paused: fc.constantFrom(true, false),
        progressDeadlineSeconds: fc.constantFrom(600, 2147483647),
        updateStrategy: fc.record({ type: fc.constantFrom("OnDelete", "RollingUpdate"), rollingUpdate: fc.record({ partition: small }, { requiredKeys: [] }) }, { requiredKeys: [] }),
        parallelism: small,
        completions: small,
        type: fc.constantFrom("ClusterIP", "LoadBalancer", "NodePort"),
        clusterIP: fc.constantFrom("", "10.96.0.1"),
      },
      { requiredKeys: [] },
    ),
    status: fc.record(
      {
        replicas: small, updatedReplicas: small, readyReplicas: small, availableReplicas: small, currentReplicas: small, fullyLabeledReplicas: small,
        currentRevision: fc.constantFrom("r1", "r2"), updateRevision: fc.constantFrom("r1", "r2"),
        desiredNumberScheduled: small, currentNumberScheduled: small, updatedNumberScheduled: small, numberAvailable: small, numberReady: small,
        succeeded: small, active: small, failed: small, startTime: fc.constantFrom("2026-01-01T00:00:00Z", ""),
        phase: fc.constantFrom("Pending", "Running", "Succeeded", "Failed", "Bound", "Lost", ""),
        containerStatuses: fc.array(fc.record({ name: fc.constantFrom("app", "side"), state: fc.constantFrom({ waiting: { reason: "CrashLoopBackOff" } }, { waiting: { reason: "ImagePullBackOff" } }, { running: {} }) }), { maxLength: 2 }),
        conditions: fc.array(condition, { maxLength: 4 }),
      },
      { requiredKeys: [] },
    ),
  })
  .map((r) => {
    const [apiVersion, kind] = r.kind;
    const metadata: KubeObject["metadata"] = { name: "x", namespace: "ns" };
    if (r.generation !== undefined) metadata.generation = r.generation;
    if (r.deleting) metadata.deletionTimestamp = "2026-01-01T00:00:00Z";
    if (r.created !== undefined) metadata.creationTimestamp = new Date(Date.now() + r.created).toISOString().replace(/\.\d+Z$/, "Z");
    const status: Record<string, unknown> = { ...r.status };
    if (r.settled > 0) {
      // Mostly converged: every count at spec.replicas, the conditions a finished rollout has.
      const n = r.spec.replicas ?? 1;
      for (const k of ["replicas", "updatedReplicas", "readyReplicas", "availableReplicas", "currentReplicas", "fullyLabeledReplicas", "desiredNumberScheduled", "currentNumberScheduled", "updatedNumberScheduled", "numberAvailable", "numberReady"]) status[k] = n;
      status.updateRevision = status.currentRevision;
      const good = [{ type: "Available", status: "True" }, { type: "Progressing", status: "True", reason: "NewReplicaSetAvailable" }, { type: "Established", status: "True" }, { type: "Ready", status: "True" }];
      status.conditions = r.settled === 2 ? good : [...good.slice(0, 2), ...(r.status.conditions ?? [])];
      if (r.generation !== undefined) status.observedGeneration = r.generation;
    }
    if (r.observedGeneration !== undefined && status.observedGeneration === undefined) status.observedGeneration = r.observedGeneration;
    return { apiVersion, kind, metadata, spec: r.spec, status };
  });

/** Compares the status each side computes (messages aside), minding the pinned divergences. */
export async function compareKstatus(oracle: Oracle, obj: KubeObject): Promise<string | undefined> {
  const ours = computeStatus(obj);
  const spec = obj.spec as { paused?: boolean };
  const group = obj.apiVersion.includes("/") ? obj.apiVersion.split("/")[0] : "";
  if (obj.kind === "Deployment" && (group === "apps" || group === "extensions") && spec.paused === true && !obj.metadata.deletionTimestamp) {
    return ours.status === "Suspended" ? undefined : `pinned: a paused Deployment is Suspended\nSlipway: ${JSON.stringify(ours)}`;
  }
  const go = await oracle.ask({ op: "kstatus", object: obj });
  if (typeof go.error === "string" && obj.kind === "Pod" && /unknown phase/.test(go.error)) {
    return ours.status === "InProgress" ? undefined : `pinned: an unknown Pod phase is InProgress\nSlipway: ${JSON.stringify(ours)}`;
  }
  if (go.status === ours.status) return undefined;
  return `kstatus: ${JSON.stringify(go)}\nSlipway: ${JSON.stringify(ours)}`;
}

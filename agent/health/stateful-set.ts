/**
 * StatefulSet health (kstatus rules), with the messages of `kubectl rollout status`.
 */
import { current, inProgress, num, specOf, statusOf, type KindRule } from "./health-status.ts";

/** Current when every replica is ready and (for RollingUpdate) at the update revision. OnDelete is Current. */
export const statefulSetHealth: KindRule = (obj) => {
  const spec = specOf(obj);
  const status = statusOf(obj);
  const strategy = (spec.updateStrategy ?? {}) as { type?: string; rollingUpdate?: { partition?: number } };
  if (strategy.type === "OnDelete") return current(`statefulset "${obj.metadata.name}" uses the OnDelete update strategy`);
  const want = num(spec, "replicas", 1);
  const ready = num(status, "readyReplicas");
  const replicas = num(status, "replicas");
  if (want > replicas) return inProgress(`Waiting for ${want - replicas} pods to be created...`);
  if (want > ready) return inProgress(`Waiting for ${want - ready} pods to be ready...`);
  if (replicas > want) return inProgress(`Waiting for ${replicas - want} pods to be terminated...`);
  const partition = strategy.rollingUpdate?.partition ?? 0;
  const updated = num(status, "updatedReplicas");
  if (partition > 0) {
    const expected = want - partition;
    if (updated < expected) return inProgress(`Waiting for partitioned roll out to finish: ${updated} out of ${expected} new pods have been updated...`);
    return current(`partitioned roll out complete: ${updated} new pods have been updated...`);
  }
  const currentRevision = status.currentRevision;
  const updateRevision = status.updateRevision;
  if (currentRevision !== updateRevision) {
    return inProgress(`Waiting for statefulset rolling update to complete ${updated} pods at revision ${String(updateRevision)}...`);
  }
  return current(`statefulset rolling update complete ${replicas} pods at revision ${String(currentRevision)}...`);
};

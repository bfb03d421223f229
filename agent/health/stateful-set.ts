/**
 * StatefulSet health (kstatus rules), with the messages of `kubectl rollout status`.
 */
import { current, inProgress, intAt, stringAt, type KindRule } from "./health-status.ts";

/** Current when every replica is created, ready, current and at the update revision (or the partition is rolled out). OnDelete is Current. */
export const statefulSetHealth: KindRule = (obj) => {
  const name = obj.metadata.name;
  if (stringAt(obj, ["spec", "updateStrategy", "type"], "") === "OnDelete") return current(`statefulset "${name}" uses the OnDelete update strategy`);
  const want = intAt(obj, ["spec", "replicas"], 1);
  const ready = intAt(obj, ["status", "readyReplicas"], 0);
  const currentReplicas = intAt(obj, ["status", "currentReplicas"], 0);
  const updated = intAt(obj, ["status", "updatedReplicas"], 0);
  const replicas = intAt(obj, ["status", "replicas"], 0);
  const partition = intAt(obj, ["spec", "updateStrategy", "rollingUpdate", "partition"], -1);
  if (want > replicas) return inProgress(`Waiting for ${want - replicas} pods to be created...`);
  if (want > ready) return inProgress(`Waiting for ${want - ready} pods to be ready...`);
  if (replicas > want) return inProgress(`Waiting for ${replicas - want} pods to be terminated...`);
  const updateRevision = stringAt(obj, ["status", "updateRevision"], "");
  // kstatus takes this path whenever a partition is set, and the API server sets 0 by default.
  if (partition !== -1) {
    const expected = want - partition;
    if (updated < expected) {
      if (partition === 0) return inProgress(`Waiting for statefulset rolling update to complete ${updated} pods at revision ${updateRevision}...`);
      return inProgress(`Waiting for partitioned roll out to finish: ${updated} out of ${expected} new pods have been updated...`);
    }
    if (partition === 0) return current(`statefulset rolling update complete ${replicas} pods at revision ${updateRevision}...`);
    return current(`partitioned roll out complete: ${updated} new pods have been updated...`);
  }
  const currentRevision = stringAt(obj, ["status", "currentRevision"], "");
  if (want > currentReplicas || currentRevision !== updateRevision) return inProgress(`Waiting for statefulset rolling update to complete ${updated} pods at revision ${updateRevision}...`);
  return current(`statefulset rolling update complete ${replicas} pods at revision ${currentRevision}...`);
};

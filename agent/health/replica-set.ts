/**
 * ReplicaSet health (kstatus rules): every replica labelled, available and ready, none extra.
 */
import { conditions, current, inProgress, intAt, type KindRule } from "./health-status.ts";

/** InProgress on ReplicaFailure or too few labelled/available/ready replicas, or extra ones; else Current. */
export const replicaSetHealth: KindRule = (obj) => {
  const name = obj.metadata.name;
  const failure = conditions(obj).find((c) => c.type === "ReplicaFailure" && c.status === "True");
  if (failure) return inProgress(`replica set "${name}" cannot create pods: ${failure.message ?? failure.reason ?? "ReplicaFailure"}`);
  const want = intAt(obj, ["spec", "replicas"], 1);
  const replicas = intAt(obj, ["status", "replicas"], 0);
  const ready = intAt(obj, ["status", "readyReplicas"], 0);
  const available = intAt(obj, ["status", "availableReplicas"], 0);
  const labelled = intAt(obj, ["status", "fullyLabeledReplicas"], 0);
  if (want > labelled) return inProgress(`Waiting for replica set "${name}": ${labelled} of ${want} replicas are labelled...`);
  if (want > available) return inProgress(`Waiting for replica set "${name}": ${available} of ${want} replicas are available...`);
  if (want > ready) return inProgress(`Waiting for replica set "${name}": ${ready} of ${want} replicas are ready...`);
  if (replicas > want) return inProgress(`Waiting for replica set "${name}": ${replicas - want} extra replicas are pending termination...`);
  return current(`replica set "${name}" has ${replicas} available replicas`);
};

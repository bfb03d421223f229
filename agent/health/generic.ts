/**
 * Rules for every kind: a Ready condition decides when present, otherwise the object is Current
 * (ConfigMaps, Secrets, CronJobs, PodDisruptionBudgets and kinds without a status).
 */
import type { KubeObject } from "../kube/kube-object.ts";
import { condition, current, inProgress, type HealthResult } from "./health-status.ts";

/** Ready=True → Current, any other Ready → InProgress, no Ready condition → Current. */
export const genericHealth = (obj: KubeObject): HealthResult => {
  const ready = condition(obj, "Ready");
  if (ready) {
    if (ready.status === "True") return current(`${obj.kind.toLowerCase()} "${obj.metadata.name}" is ready`);
    return inProgress(`Waiting for ${obj.kind.toLowerCase()} "${obj.metadata.name}" to be ready: ${ready.message ?? ready.reason ?? ready.status}`);
  }
  return current(`${obj.kind.toLowerCase()} "${obj.metadata.name}" has no readiness to wait for`);
};

/**
 * DaemonSet health (kstatus rules), with the messages of `kubectl rollout status`.
 */
import { current, inProgress, intAt, type KindRule } from "./health-status.ts";

/** Current when every scheduled pod is updated, available and ready, once the controller has observed it. */
export const daemonSetHealth: KindRule = (obj) => {
  const name = obj.metadata.name;
  // kstatus requires both generations here: a DaemonSet the controller has not looked at has none.
  if (typeof obj.metadata.generation !== "number") return inProgress(`Waiting for daemon set "${name}" rollout to start: no metadata.generation yet...`);
  if (typeof (obj.status as { observedGeneration?: unknown } | undefined)?.observedGeneration !== "number") {
    return inProgress(`Waiting for daemon set "${name}" rollout to start...`);
  }
  const desired = intAt(obj, ["status", "desiredNumberScheduled"], -1);
  const scheduled = intAt(obj, ["status", "currentNumberScheduled"], 0);
  const updated = intAt(obj, ["status", "updatedNumberScheduled"], 0);
  const available = intAt(obj, ["status", "numberAvailable"], 0);
  const ready = intAt(obj, ["status", "numberReady"], 0);
  if (desired === -1) return inProgress(`Waiting for daemon set "${name}" rollout to start...`);
  if (desired > scheduled) return inProgress(`Waiting for daemon set "${name}" rollout to finish: ${scheduled} of ${desired} pods are scheduled...`);
  if (desired > updated) return inProgress(`Waiting for daemon set "${name}" rollout to finish: ${updated} out of ${desired} new pods have been updated...`);
  if (desired > available) return inProgress(`Waiting for daemon set "${name}" rollout to finish: ${available} of ${desired} updated pods are available...`);
  if (desired > ready) return inProgress(`Waiting for daemon set "${name}" rollout to finish: ${ready} of ${desired} pods are ready...`);
  return current(`daemon set "${name}" successfully rolled out`);
};

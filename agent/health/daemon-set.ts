/**
 * DaemonSet health (kstatus rules), with the messages of `kubectl rollout status`.
 */
import { current, inProgress, num, statusOf, type KindRule } from "./health-status.ts";

/** Current when every scheduled pod is updated, available and ready. */
export const daemonSetHealth: KindRule = (obj) => {
  const name = obj.metadata.name;
  const status = statusOf(obj);
  // A DaemonSet the controller has not looked at yet has no desired count: not done, not zero.
  if (typeof status.desiredNumberScheduled !== "number") return inProgress(`Waiting for daemon set "${name}" rollout to start...`);
  const desired = num(status, "desiredNumberScheduled");
  const scheduled = num(status, "currentNumberScheduled");
  const updated = num(status, "updatedNumberScheduled");
  const available = num(status, "numberAvailable");
  const ready = num(status, "numberReady");
  if (desired > scheduled) return inProgress(`Waiting for daemon set "${name}" rollout to finish: ${scheduled} of ${desired} pods are scheduled...`);
  if (desired > updated) return inProgress(`Waiting for daemon set "${name}" rollout to finish: ${updated} out of ${desired} new pods have been updated...`);
  if (desired > available) return inProgress(`Waiting for daemon set "${name}" rollout to finish: ${available} of ${desired} updated pods are available...`);
  if (desired > ready) return inProgress(`Waiting for daemon set "${name}" rollout to finish: ${ready} of ${desired} pods are ready...`);
  return current(`daemon set "${name}" successfully rolled out`);
};

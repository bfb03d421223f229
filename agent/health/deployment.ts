/**
 * Deployment health (kstatus rules), with the messages of `kubectl rollout status`.
 */
import { condition, current, failed, inProgress, num, specOf, statusOf, type KindRule } from "./health-status.ts";

/** Current once every replica is updated, ready and available and the rollout reports complete. */
export const deploymentHealth: KindRule = (obj) => {
  const name = obj.metadata.name;
  const spec = specOf(obj);
  const status = statusOf(obj);
  const progressing = condition(obj, "Progressing");
  if (progressing?.reason === "ProgressDeadlineExceeded") return failed(`deployment "${name}" exceeded its progress deadline`);
  const want = num(spec, "replicas", 1);
  const replicas = num(status, "replicas");
  const updated = num(status, "updatedReplicas");
  const ready = num(status, "readyReplicas");
  const available = num(status, "availableReplicas");
  if (want > updated) return inProgress(`Waiting for deployment "${name}" rollout to finish: ${updated} out of ${want} new replicas have been updated...`);
  if (replicas > updated) return inProgress(`Waiting for deployment "${name}" rollout to finish: ${replicas - updated} old replicas are pending termination...`);
  if (updated > available || want > available) {
    return inProgress(`Waiting for deployment "${name}" rollout to finish: ${available} of ${updated} updated replicas are available...`);
  }
  if (want > replicas || want > ready) return inProgress(`Waiting for deployment "${name}" rollout to finish: ${ready} of ${want} replicas are ready...`);
  const hasDeadline = spec.progressDeadlineSeconds !== undefined;
  if (hasDeadline && !(progressing?.status === "True" && progressing.reason === "NewReplicaSetAvailable")) {
    return inProgress(`Waiting for deployment "${name}" rollout to finish: new replica set not yet reported available...`);
  }
  const availableCond = condition(obj, "Available");
  if (availableCond && availableCond.status !== "True") return inProgress(`Waiting for deployment "${name}" to become available...`);
  return current(`deployment "${name}" successfully rolled out`);
};

/**
 * Deployment health: kstatus' rules, with the messages of `kubectl rollout status`, and a paused
 * Deployment reported as Suspended (as Argo CD does) instead of waited on.
 */
import { conditions, current, failed, inProgress, intAt, suspended, type KindRule } from "./health-status.ts";

/** kstatus' "no deadline" value of progressDeadlineSeconds (math.MaxInt32). */
const NO_DEADLINE = 2147483647;

/** Suspended when paused; Failed past its progress deadline; Current once rolled out and available. */
export const deploymentHealth: KindRule = (obj) => {
  const name = obj.metadata.name;
  let progressing = intAt(obj, ["spec", "progressDeadlineSeconds"], NO_DEADLINE) === NO_DEADLINE;
  let available = false;
  for (const c of conditions(obj)) {
    if (c.type === "Progressing") {
      if (c.reason === "ProgressDeadlineExceeded") return failed(`deployment "${name}" exceeded its progress deadline`); // kubectl's words
      if (c.status === "True" && c.reason === "NewReplicaSetAvailable") progressing = true;
    } else if (c.type === "Available" && c.status === "True") available = true;
  }
  const want = intAt(obj, ["spec", "replicas"], 1);
  const replicas = intAt(obj, ["status", "replicas"], 0);
  const updated = intAt(obj, ["status", "updatedReplicas"], 0);
  const ready = intAt(obj, ["status", "readyReplicas"], 0);
  const availableReplicas = intAt(obj, ["status", "availableReplicas"], 0);
  const waiting = (what: string) => inProgress(`Waiting for deployment "${name}" rollout to finish: ${what}...`);
  if (want > replicas) return waiting(`${replicas} of ${want} replicas have been created`);
  if (want > updated) return waiting(`${updated} out of ${want} new replicas have been updated`);
  if (replicas > want) return waiting(`${replicas - want} old replicas are pending termination`);
  if (updated > availableReplicas) return waiting(`${availableReplicas} of ${updated} updated replicas are available`);
  if (want > ready) return waiting(`${ready} of ${want} replicas are ready`);
  if (!progressing) return waiting("new replica set not yet reported available");
  if (!available) return inProgress(`Waiting for deployment "${name}" to become available...`);
  return current(`deployment "${name}" successfully rolled out`);
};

/** A paused Deployment (spec.paused): Suspended, checked before kstatus' rules as Argo CD does. */
export const pausedDeployment: KindRule = (obj) => {
  const spec = obj.spec as { paused?: unknown } | undefined;
  return spec?.paused === true ? suspended(`deployment "${obj.metadata.name}" is paused (resume it with \`kubectl rollout resume deployment/${obj.metadata.name}\`)`) : undefined;
};

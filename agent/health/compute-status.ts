/**
 * kstatus's order of rules for one live object: deletion, observedGeneration, the
 * Reconciling/Stalled conditions, the per-kind rule, the Ready condition, else Current. One
 * addition, as Argo CD does: a paused Deployment is Suspended (checked right after deletion).
 */
import { splitApiVersion, type KubeObject } from "../kube/kube-object.ts";
import { alwaysReady } from "./always-ready.ts";
import { crdHealth } from "./crd.ts";
import { daemonSetHealth } from "./daemon-set.ts";
import { deploymentHealth, pausedDeployment } from "./deployment.ts";
import { genericHealth } from "./generic.ts";
import { conditions, failed, inProgress, type HealthResult, type KindRule } from "./health-status.ts";
import { jobHealth } from "./job.ts";
import { podHealthAt } from "./pod.ts";
import { pvcHealth } from "./pvc.ts";
import { replicaSetHealth } from "./replica-set.ts";
import { serviceHealth } from "./service.ts";
import { statefulSetHealth } from "./stateful-set.ts";

/** The per-kind rules by `group/Kind` (`Kind` for the core group), as kstatus keys them. */
function kindRule(obj: KubeObject, now: Date): KindRule | undefined {
  const { group } = splitApiVersion(obj.apiVersion);
  const key = group ? `${group}/${obj.kind}` : obj.kind;
  switch (key) {
    case "apps/Deployment":
    case "extensions/Deployment":
      return deploymentHealth;
    case "apps/StatefulSet":
      return statefulSetHealth;
    case "apps/DaemonSet":
    case "extensions/DaemonSet":
      return daemonSetHealth;
    case "apps/ReplicaSet":
    case "extensions/ReplicaSet":
      return replicaSetHealth;
    case "batch/Job":
      return jobHealth;
    case "Pod":
      return podHealthAt(now);
    case "PersistentVolumeClaim":
      return pvcHealth;
    case "Service":
      return serviceHealth;
    case "apiextensions.k8s.io/CustomResourceDefinition":
      return crdHealth;
    case "Secret":
    case "ConfigMap":
    case "batch/CronJob":
    case "policy/PodDisruptionBudget":
      return alwaysReady;
    default:
      return undefined;
  }
}

/** The health of a live object (as read from the API server) at time `now` (default: now). */
export function computeStatus(obj: KubeObject, now: Date = new Date()): HealthResult {
  const kind = obj.kind.toLowerCase();
  const name = obj.metadata.name;
  if (typeof obj.metadata.deletionTimestamp === "string" && obj.metadata.deletionTimestamp !== "") {
    return { status: "Terminating", message: `${kind} "${name}" is being deleted` };
  }
  const { group } = splitApiVersion(obj.apiVersion);
  if (obj.kind === "Deployment" && (group === "apps" || group === "extensions")) {
    const paused = pausedDeployment(obj);
    if (paused) return paused;
  }
  const generation = obj.metadata.generation;
  const observed = (obj.status as { observedGeneration?: unknown } | undefined)?.observedGeneration;
  if (typeof generation === "number" && typeof observed === "number" && generation !== observed) {
    return inProgress(`Waiting for ${kind} spec update to be observed...`);
  }
  for (const c of conditions(obj)) {
    if (c.type === "Reconciling" && c.status === "True") return inProgress(`${kind} "${name}" is reconciling${c.message ? `: ${c.message}` : c.reason ? `: ${c.reason}` : ""}`);
    if (c.type === "Stalled" && c.status === "True") return failed(`${kind} "${name}" is stalled${c.message ? `: ${c.message}` : c.reason ? `: ${c.reason}` : ""}`);
  }
  const result = kindRule(obj, now)?.(obj);
  if (result) return result;
  return genericHealth(obj);
}

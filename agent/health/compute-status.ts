/**
 * kstatus's order of rules for one live object: deletion, observedGeneration, the
 * Reconciling/Stalled conditions, the per-kind rule, the Ready condition, else Current.
 */
import { splitApiVersion, type KubeObject } from "../kube/kube-object.ts";
import { crdHealth } from "./crd.ts";
import { daemonSetHealth } from "./daemon-set.ts";
import { deploymentHealth } from "./deployment.ts";
import { genericHealth } from "./generic.ts";
import { condition, failed, inProgress, statusOf, type HealthResult, type KindRule } from "./health-status.ts";
import { jobHealth } from "./job.ts";
import { podHealthAt } from "./pod.ts";
import { pvcHealth } from "./pvc.ts";
import { serviceHealth } from "./service.ts";
import { statefulSetHealth } from "./stateful-set.ts";

function kindRule(obj: KubeObject, now: Date): KindRule | undefined {
  const { group } = splitApiVersion(obj.apiVersion);
  const key = `${obj.kind}.${group}`;
  switch (key) {
    case "Deployment.apps":
      return deploymentHealth;
    case "StatefulSet.apps":
      return statefulSetHealth;
    case "DaemonSet.apps":
      return daemonSetHealth;
    case "Job.batch":
      return jobHealth;
    case "Pod.":
      return podHealthAt(now);
    case "PersistentVolumeClaim.":
      return pvcHealth;
    case "Service.":
      return serviceHealth;
    case "CustomResourceDefinition.apiextensions.k8s.io":
      return crdHealth;
    default:
      return undefined;
  }
}

/** The health of a live object (as read from the API server) at time `now` (default: now). */
export function computeStatus(obj: KubeObject, now: Date = new Date()): HealthResult {
  const kind = obj.kind.toLowerCase();
  const name = obj.metadata.name;
  if (obj.metadata.deletionTimestamp) return { status: "Terminating", message: `${kind} "${name}" is being deleted` };
  const status = statusOf(obj);
  const generation = obj.metadata.generation;
  const observed = status.observedGeneration;
  if (typeof generation === "number" && typeof observed === "number" && generation !== observed) {
    return inProgress(`Waiting for ${kind} spec update to be observed...`);
  }
  const reconciling = condition(obj, "Reconciling");
  if (reconciling?.status === "True") return inProgress(`${kind} "${name}" is reconciling: ${reconciling.message ?? reconciling.reason ?? ""}`.trim());
  const stalled = condition(obj, "Stalled");
  if (stalled?.status === "True") return failed(`${kind} "${name}" is stalled: ${stalled.message ?? stalled.reason ?? ""}`.trim());
  const rule = kindRule(obj, now);
  const result = rule?.(obj);
  if (result) return result;
  return genericHealth(obj);
}

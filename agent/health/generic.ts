/**
 * Rules for kinds without their own: the first Ready condition whose status is True, False or
 * Unknown decides (True → Current, else InProgress); without one the object is Current.
 */
import type { KubeObject } from "../kube/kube-object.ts";
import { conditions, current, inProgress, type HealthResult } from "./health-status.ts";

/** Ready=True → Current, Ready=False/Unknown → InProgress, no such Ready condition → Current. */
export const genericHealth = (obj: KubeObject): HealthResult => {
  const kind = obj.kind.toLowerCase();
  for (const ready of conditions(obj)) {
    if (ready.type !== "Ready") continue;
    if (ready.status === "True") return current(`${kind} "${obj.metadata.name}" is ready`);
    if (ready.status === "False" || ready.status === "Unknown") {
      return inProgress(`Waiting for ${kind} "${obj.metadata.name}" to be ready: ${ready.message || ready.reason || ready.status}`);
    }
  }
  return current(`${kind} "${obj.metadata.name}" has no readiness to wait for`);
};

/**
 * Pod health (kstatus rules): finished pods are Current, running and Ready pods are Current,
 * CrashLoopBackOff fails, and a pod unschedulable for more than 15 s fails.
 */
import { condition, current, failed, inProgress, statusOf, type KindRule } from "./health-status.ts";

/** How long a pod may stay unschedulable before it counts as Failed, in ms. */
export const unschedulableGraceMs = 15_000;

interface ContainerStatus {
  name?: string;
  state?: { waiting?: { reason?: string; message?: string } };
}

/** Pod health at time `now` (for the unschedulable grace period). */
export function podHealthAt(now: Date): KindRule {
  return (obj) => {
    const name = obj.metadata.name;
    const status = statusOf(obj);
    const phase = status.phase;
    if (phase === "Succeeded" || phase === "Failed") return current(`pod "${name}" finished: ${phase}`);
    const containers = [...((status.initContainerStatuses ?? []) as ContainerStatus[]), ...((status.containerStatuses ?? []) as ContainerStatus[])];
    const crash = containers.find((c) => c.state?.waiting?.reason === "CrashLoopBackOff");
    if (crash) return failed(`pod "${name}": container "${crash.name ?? ""}" is in CrashLoopBackOff`);
    if (phase === "Running" && condition(obj, "Ready")?.status === "True") return current(`pod "${name}" is running and ready`);
    const scheduled = condition(obj, "PodScheduled") as { status: string; reason?: string; message?: string; lastTransitionTime?: string } | undefined;
    if (phase === "Pending" && scheduled?.status === "False" && scheduled.reason === "Unschedulable") {
      const since = scheduled.lastTransitionTime ? Date.parse(scheduled.lastTransitionTime) : NaN;
      if (!Number.isNaN(since) && now.getTime() - since > unschedulableGraceMs) {
        return failed(`pod "${name}" cannot be scheduled: ${scheduled.message ?? "Unschedulable"}`);
      }
    }
    const waiting = containers.find((c) => c.state?.waiting?.reason);
    if (waiting) return inProgress(`pod "${name}": container "${waiting.name ?? ""}" is waiting: ${waiting.state?.waiting?.reason ?? ""}`);
    return inProgress(`pod "${name}" is ${typeof phase === "string" ? phase : "pending"}, not ready yet`);
  };
}

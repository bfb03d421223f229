/**
 * Pod health (kstatus rules): finished pods are Current, running and Ready pods are Current, a
 * running pod with a container in CrashLoopBackOff fails, and a pending pod unschedulable for
 * more than 15 s after its creation fails.
 */
import { conditions, conditionWith, current, failed, inProgress, stringAt, type HealthResult, type KindRule } from "./health-status.ts";

/** How long after its creation a pod may stay unschedulable before it counts as Failed, in ms. */
export const unschedulableGraceMs = 15_000;

interface ContainerStatus {
  name?: unknown;
  state?: { waiting?: { reason?: unknown; message?: unknown } };
}

/** The pod's container statuses (not init containers) in the given waiting reason. */
export function containersWaitingFor(obj: object, reason: string, field = "containerStatuses"): string[] {
  const list = ((obj as { status?: Record<string, unknown> }).status)?.[field];
  if (!Array.isArray(list)) return [];
  return (list as ContainerStatus[]).filter((c) => typeof c?.name === "string" && c.state?.waiting?.reason === reason).map((c) => String(c.name));
}

/** Pod health at time `now` (for the unschedulable grace period, counted from creationTimestamp). */
export function podHealthAt(now: Date): KindRule {
  return (obj): HealthResult => {
    const name = obj.metadata.name;
    const phase = stringAt(obj, ["status", "phase"], "");
    switch (phase) {
      case "Succeeded":
        return current(`pod "${name}" completed successfully`);
      case "Failed":
        return current(`pod "${name}" completed, but not successfully`);
      case "Running": {
        if (conditionWith(obj, "Ready", "True")) return current(`pod "${name}" is running and ready`);
        const crashing = containersWaitingFor(obj, "CrashLoopBackOff");
        if (crashing.length > 0) return failed(`pod "${name}": container${crashing.length > 1 ? "s" : ""} ${crashing.map((c) => `"${c}"`).join(", ")} ${crashing.length > 1 ? "are" : "is"} in CrashLoopBackOff`);
        return inProgress(`pod "${name}" is running but not ready`);
      }
      case "Pending": {
        const scheduled = conditions(obj).find((c) => c.type === "PodScheduled" && c.status === "False");
        if (scheduled?.reason === "Unschedulable") {
          const created = Date.parse(typeof obj.metadata.creationTimestamp === "string" ? obj.metadata.creationTimestamp : "");
          if (!Number.isNaN(created) && now.getTime() - unschedulableGraceMs < created) return inProgress(`pod "${name}" has not been scheduled yet`);
          return failed(`pod "${name}" cannot be scheduled: ${scheduled.message ?? "Unschedulable"}`);
        }
        return inProgress(`pod "${name}" is pending`);
      }
      case "":
        return inProgress(`pod "${name}" has no phase yet`);
      default:
        return inProgress(`pod "${name}" is in the unknown phase ${phase}`);
    }
  };
}

/**
 * PersistentVolumeClaim health (kstatus rules): Bound is Current.
 */
import { current, inProgress, statusOf, type KindRule } from "./health-status.ts";

/** Current when the claim is Bound. */
export const pvcHealth: KindRule = (obj) => {
  const phase = statusOf(obj).phase;
  if (phase === "Bound") return current(`persistentvolumeclaim "${obj.metadata.name}" is bound`);
  return inProgress(`Waiting for persistentvolumeclaim "${obj.metadata.name}" to be bound (phase ${typeof phase === "string" ? phase : "unknown"})...`);
};

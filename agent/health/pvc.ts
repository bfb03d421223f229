/**
 * PersistentVolumeClaim health (kstatus rules): Bound is Current.
 */
import { current, inProgress, stringAt, type KindRule } from "./health-status.ts";

/** Current when the claim is Bound. */
export const pvcHealth: KindRule = (obj) => {
  const phase = stringAt(obj, ["status", "phase"], "unknown");
  if (phase === "Bound") return current(`persistentvolumeclaim "${obj.metadata.name}" is bound`);
  return inProgress(`Waiting for persistentvolumeclaim "${obj.metadata.name}" to be bound (phase ${phase})...`);
};

/**
 * Kinds kstatus always counts as Current: Secret, ConfigMap, CronJob and PodDisruptionBudget
 * (a PDB whose controller has observed its generation has computed its allowed disruptions).
 */
import { current, type KindRule } from "./health-status.ts";

/** Current, saying why. */
export const alwaysReady: KindRule = (obj) => {
  const kind = obj.kind.toLowerCase();
  if (obj.kind === "PodDisruptionBudget") return current(`poddisruptionbudget "${obj.metadata.name}" has computed its allowed disruptions`);
  return current(`${kind} "${obj.metadata.name}" is always ready`);
};

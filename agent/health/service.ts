/**
 * Service health (kstatus rules): a LoadBalancer without a cluster IP is still in progress.
 */
import { current, inProgress, specOf, type KindRule } from "./health-status.ts";

/** InProgress for a LoadBalancer Service that has no clusterIP yet; otherwise Current. */
export const serviceHealth: KindRule = (obj) => {
  const spec = specOf(obj);
  if (spec.type === "LoadBalancer" && !spec.clusterIP) return inProgress(`Waiting for service "${obj.metadata.name}" to get a cluster IP...`);
  return current(`service "${obj.metadata.name}" is ready`);
};

/**
 * Service health (kstatus rules): a LoadBalancer without a cluster IP is still in progress.
 */
import { current, inProgress, stringAt, type KindRule } from "./health-status.ts";

/** InProgress for a LoadBalancer Service that has no clusterIP yet; otherwise Current. */
export const serviceHealth: KindRule = (obj) => {
  if (stringAt(obj, ["spec", "type"], "ClusterIP") === "LoadBalancer" && stringAt(obj, ["spec", "clusterIP"], "") === "") {
    return inProgress(`Waiting for service "${obj.metadata.name}" to get a cluster IP...`);
  }
  return current(`service "${obj.metadata.name}" is ready`);
};

/**
 * Job health (kstatus rules): Complete is Current, Failed is Failed, a running Job counts as Current.
 */
import { condition, current, failed, num, statusOf, type KindRule } from "./health-status.ts";

/** Failed when the Job's Failed condition is True; otherwise Current (complete or running). */
export const jobHealth: KindRule = (obj) => {
  const name = obj.metadata.name;
  const fail = condition(obj, "Failed");
  if (fail?.status === "True") return failed(`job "${name}" failed: ${fail.reason ?? ""}${fail.message ? ` ${fail.message}` : ""}`.trim());
  if (condition(obj, "Complete")?.status === "True") return current(`job "${name}" completed`);
  const status = statusOf(obj);
  return current(`job "${name}" is running: ${num(status, "active")} active, ${num(status, "succeeded")} succeeded, ${num(status, "failed")} failed`);
};

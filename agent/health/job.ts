/**
 * Job health (kstatus rules): Complete is Current, Failed is Failed, a Job that has not started
 * is InProgress, a started one counts as Current while it runs.
 */
import { conditions, current, failed, inProgress, intAt, stringAt, type KindRule } from "./health-status.ts";

/** Decided by the first Complete=True or Failed=True condition, else by status.startTime. */
export const jobHealth: KindRule = (obj) => {
  const name = obj.metadata.name;
  const succeeded = intAt(obj, ["status", "succeeded"], 0);
  const active = intAt(obj, ["status", "active"], 0);
  const failedPods = intAt(obj, ["status", "failed"], 0);
  for (const c of conditions(obj)) {
    if (c.type === "Complete" && c.status === "True") return current(`job "${name}" completed`);
    if (c.type === "Failed" && c.status === "True") return failed(`job "${name}" failed: ${c.reason ?? ""}${c.message ? ` ${c.message}` : ""}`.trim());
  }
  if (stringAt(obj, ["status", "startTime"], "") === "") return inProgress(`Waiting for job "${name}" to start...`);
  return current(`job "${name}" is running: ${active} active, ${succeeded} succeeded, ${failedPods} failed`);
};

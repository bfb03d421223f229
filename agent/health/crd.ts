/**
 * CustomResourceDefinition health (kstatus rules): Established is Current; names not accepted,
 * or not established for a reason other than Installing, is Failed.
 */
import { condition, current, failed, inProgress, type KindRule } from "./health-status.ts";

/** Current when Established=True; Failed when NamesAccepted=False or Established=False (not Installing). */
export const crdHealth: KindRule = (obj) => {
  const name = obj.metadata.name;
  const names = condition(obj, "NamesAccepted");
  if (names?.status === "False") return failed(`customresourcedefinition "${name}": names not accepted: ${names.message ?? names.reason ?? ""}`);
  const established = condition(obj, "Established");
  if (established?.status === "True") return current(`customresourcedefinition "${name}" is established`);
  if (established?.status === "False" && established.reason !== "Installing") {
    return failed(`customresourcedefinition "${name}" is not established: ${established.message ?? established.reason ?? ""}`);
  }
  return inProgress(`Waiting for customresourcedefinition "${name}" to be established...`);
};

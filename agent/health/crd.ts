/**
 * CustomResourceDefinition health (kstatus rules): Established is Current; names not accepted,
 * or not established for a reason other than Installing, is Failed; conditions read in order.
 */
import { conditions, current, failed, inProgress, type KindRule } from "./health-status.ts";

/** The first deciding condition wins: NamesAccepted=False or Established=False (not Installing) fail, Established=True is Current. */
export const crdHealth: KindRule = (obj) => {
  const name = obj.metadata.name;
  for (const c of conditions(obj)) {
    if (c.type === "NamesAccepted" && c.status === "False") return failed(`customresourcedefinition "${name}": names not accepted: ${c.message ?? c.reason ?? ""}`);
    if (c.type === "Established") {
      if (c.status === "False" && c.reason !== "Installing") return failed(`customresourcedefinition "${name}" is not established: ${c.message ?? c.reason ?? ""}`);
      if (c.status === "True") return current(`customresourcedefinition "${name}" is established`);
    }
  }
  return inProgress(`Waiting for customresourcedefinition "${name}" to be established...`);
};

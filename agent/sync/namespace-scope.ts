/**
 * The namespaced mode's rule (config `namespaces:`): a build may hold only namespaced objects in
 * the listed namespaces. It is checked on the planned objects (namespaces settled by
 * validate-objects.ts), before the ApplySet parent is written or anything applied, so that a
 * refused build leaves the cluster as it was, and the refusal names each object instead of
 * surfacing as a 403 in the middle of a staged apply.
 */
import { objectId, type KubeObject } from "../kube/kube-object.ts";
import type { SyncError } from "./sync-outcome.ts";

/**
 * One error per object outside `namespaces`: cluster-scoped (no namespace once validated) or in
 * a namespace not listed. `namespaces` undefined is the cluster-wide mode: no errors. Pure.
 */
export function checkNamespaceScope(objects: readonly KubeObject[], namespaces: readonly string[] | undefined): SyncError[] {
  if (!namespaces) return [];
  const allowed = new Set(namespaces);
  const shown = namespaces.join(", ");
  const errors: SyncError[] = [];
  for (const o of objects) {
    const id = objectId(o);
    const ns = o.metadata.namespace;
    if (!ns) errors.push({ phase: "validate", id, message: `${id}: is cluster-scoped, and the agent is installed namespaced (namespaces: ${shown}): it applies no cluster-scoped objects` });
    else if (!allowed.has(ns)) errors.push({ phase: "validate", id, message: `${id}: namespace ${ns} is not one of the agent's namespaces (${shown})` });
  }
  return errors;
}

/**
 * Taking over field ownership from hand edits. Fields set with `kubectl edit`, `kubectl scale`,
 * `kubectl patch`, client-side `kubectl apply` or before the first server-side apply belong to
 * other field managers, so a server-side apply would leave them alone. Before applying we move
 * those managers' fields to our own manager; the next apply then puts the fields back as the
 * build says (or removes them when the build does not set them).
 */
import type { KubeObject, ManagedFieldsEntry } from "../kube/kube-object.ts";

/** Field managers whose fields are taken over (the ones `kubectl` and pre-SSA writes use). */
export const takeoverManagers: readonly string[] = ["kubectl", "kubectl-client-side-apply", "kubectl-edit", "kubectl-patch", "kubectl-scale", "before-first-apply"];

type FieldSet = Record<string, unknown>;

/** Union of two managedFields `fieldsV1` trees. */
export function mergeFieldSets(a: FieldSet, b: FieldSet): FieldSet {
  const out: FieldSet = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const prev = out[k];
    out[k] = prev && typeof prev === "object" && v && typeof v === "object" ? mergeFieldSets(prev as FieldSet, v as FieldSet) : v;
  }
  return out;
}

/**
 * The managedFields the object should have after the takeover, or undefined when no entry
 * belongs to a takeover manager. Entries of takeover managers on the main resource (not a
 * subresource such as status) become part of `manager`'s Apply entry for the same apiVersion.
 */
export function takeOverManagedFields(live: KubeObject, manager: string): ManagedFieldsEntry[] | undefined {
  const entries = live.metadata.managedFields ?? [];
  const isTakeover = (e: ManagedFieldsEntry): boolean => takeoverManagers.includes(e.manager ?? "") && !e.subresource;
  if (!entries.some(isTakeover)) return undefined;
  const kept: ManagedFieldsEntry[] = [];
  const ours = new Map<string, ManagedFieldsEntry>();
  const absorb = (e: ManagedFieldsEntry): void => {
    const key = e.apiVersion ?? live.apiVersion;
    const prev = ours.get(key);
    ours.set(key, {
      manager,
      operation: "Apply",
      apiVersion: key,
      time: e.time ?? prev?.time,
      fieldsType: "FieldsV1",
      fieldsV1: mergeFieldSets(prev?.fieldsV1 ?? {}, e.fieldsV1 ?? {}),
    });
  };
  for (const e of entries) {
    if (isTakeover(e) || (e.manager === manager && e.operation === "Apply" && !e.subresource)) absorb(e);
    else kept.push(e);
  }
  return [...kept, ...ours.values()];
}

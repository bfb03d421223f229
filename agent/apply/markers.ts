/**
 * Per-object opt-out markers, read from a label or an annotation (Slipway's `slipway.dev/…` or
 * Flux's `kustomize.toolkit.fluxcd.io/…` name): whether an object is reconciled, how it is
 * applied, whether an immutable-field change may recreate it, and whether pruning may delete it.
 * Pure: the apply engine (resource-manager.ts) and `slipway diff` decide with these alone.
 */
import { forceMarkers, pruneMarkers, reconcileMarkers, ssaMarkers } from "../../core/well-known.ts";
import { marker, type KubeObject } from "../kube/kube-object.ts";

/** Whether an object opts out of reconciliation (`slipway.dev/reconcile: disabled` or Flux's marker). */
export function reconcileDisabled(obj: KubeObject): boolean {
  return reconcileMarkers.some((m) => marker(obj, m) === "disabled");
}

/** Whether an object asks to be recreated on an immutable-field change (`slipway.dev/force: enabled` or Flux's marker). */
export function forceEnabled(obj: KubeObject): boolean {
  return forceMarkers.some((m) => marker(obj, m) === "enabled");
}

/** How an object is applied. */
export type SsaPolicy = "Override" | "Merge" | "IfNotPresent" | "Ignore";

/**
 * The object's apply policy, as Flux's `ssa` marker defines it: `Override` takes over fields set
 * by hand (the default); `Merge` applies without taking them over; `IfNotPresent` only creates
 * the object and never changes it afterwards; `Ignore` skips it. Case-insensitive; unknown → Override.
 */
export function ssaPolicy(obj: KubeObject): SsaPolicy {
  const value = ssaMarkers.map((m) => marker(obj, m)).find((v) => v !== undefined)?.toLowerCase();
  if (value === "merge") return "Merge";
  if (value === "ifnotpresent") return "IfNotPresent";
  if (value === "ignore") return "Ignore";
  return "Override";
}

/** Whether an object must never be pruned (`prune: disabled`, or reconciliation disabled). */
export function pruneDisabled(obj: KubeObject): boolean {
  return pruneMarkers.some((m) => marker(obj, m) === "disabled") || reconcileDisabled(obj);
}

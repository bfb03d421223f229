/**
 * Applying one object the careful way: skip it when reconciliation is disabled, take over fields
 * from hand edits, dry-run, and write only when the object is new or has drifted. An immutable
 * field change recreates the object when forced, and is a clear error otherwise.
 */
import { SlipwayError } from "../../core/errors.ts";
import { describeError, KubeApiError } from "../kube/kube-api-error.ts";
import type { KubeClient, ResourceMapping } from "../kube/kube-client.ts";
import { marker, objectId, type KubeObject } from "../kube/kube-object.ts";
import type { ChangeSetEntry } from "./change-set.ts";
import { deleteObject, waitGone } from "./delete-object.ts";
import { dryRun } from "./dry-run.ts";
import { immutableFields, isImmutableError } from "./immutable-error.ts";
import { takeOverManagedFields } from "./managed-fields.ts";
import { defaultFieldManager, serverSideApply, serverSideApplyResult } from "./server-side-apply.ts";

/** Markers (label or annotation) that switch reconciliation of an object off. */
export const reconcileMarkers: readonly string[] = ["slipway.dev/reconcile", "kustomize.toolkit.fluxcd.io/reconcile"];
/** Markers (label or annotation) that allow recreating an object whose immutable fields changed. */
export const forceMarkers: readonly string[] = ["slipway.dev/force", "kustomize.toolkit.fluxcd.io/force"];

/** Whether an object opts out of reconciliation (`slipway.dev/reconcile: disabled` or Flux's marker). */
export function reconcileDisabled(obj: KubeObject): boolean {
  return reconcileMarkers.some((m) => marker(obj, m) === "disabled");
}

/** Whether an object asks to be recreated on an immutable-field change (`slipway.dev/force: enabled` or Flux's marker). */
export function forceEnabled(obj: KubeObject): boolean {
  return forceMarkers.some((m) => marker(obj, m) === "enabled");
}

/** Markers (label or annotation) that choose how an object is applied: `Override` (default), `Merge`, `IfNotPresent`, `Ignore`. */
export const ssaMarkers: readonly string[] = ["slipway.dev/ssa", "kustomize.toolkit.fluxcd.io/ssa"];

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

/** Options for {@link applyObject}. */
export interface ApplyObjectOptions {
  client: KubeClient;
  mapping: ResourceMapping;
  obj: KubeObject;
  /** Recreate on an immutable-field change even without the force marker. Default false. */
  force?: boolean;
  /** Field manager. Default `slipway`. */
  fieldManager?: string;
  /** The live object when already read (null: known absent); read with GET when undefined, unless `listed`. */
  live?: KubeObject | null;
  /**
   * The live object was looked for with a LIST of the set's members: when `live` is undefined the
   * object is not a member yet, so it is applied without a GET or dry-run. Default false.
   */
  listed?: boolean;
  /** How long to wait for a deleted object to disappear before recreating it, in ms. Default 60000. */
  deleteTimeoutMs?: number;
  signal?: AbortSignal;
}

/** Result of {@link applyObject}: the change-set entry and whether the object was recreated. */
export interface ApplyObjectResult extends ChangeSetEntry {
  recreated: boolean;
}

/** Applies one object; errors start with the object's id. */
export async function applyObject(options: ApplyObjectOptions): Promise<ApplyObjectResult> {
  const { client, mapping, obj, signal } = options;
  const id = objectId(obj);
  const fieldManager = options.fieldManager ?? defaultFieldManager;
  const policy = ssaPolicy(obj);
  if (reconcileDisabled(obj) || policy === "Ignore") return { id, action: "skipped", recreated: false };
  try {
    const path = client.objectPath(mapping, obj.metadata.namespace, obj.metadata.name);
    let live = options.live;
    if (live === undefined && (!options.listed || policy === "IfNotPresent")) {
      const got = await client.request<KubeObject>({ method: "GET", path, allowNotFound: true, signal });
      live = got.status === 404 ? null : got.body;
    }
    if (live && policy === "IfNotPresent") return { id, action: "skipped", recreated: false };
    if (live && policy === "Override") {
      const takeover = takeOverManagedFields(live, fieldManager);
      if (takeover) {
        try {
          const patched = await client.request<KubeObject>({
            method: "PATCH",
            path,
            body: JSON.stringify([
              { op: "test", path: "/metadata/resourceVersion", value: live.metadata.resourceVersion },
              { op: "replace", path: "/metadata/managedFields", value: takeover },
            ]),
            contentType: "application/json-patch+json",
            signal,
          });
          live = patched.body;
        } catch (err) {
          // Someone wrote the object since we read it: the takeover waits for the next run,
          // this apply still goes ahead (it only leaves their extra fields alone).
          if (!(err instanceof KubeApiError && (err.status === 409 || err.status === 422))) throw err;
        }
      }
    }
    const recreate = async (err: KubeApiError): Promise<ApplyObjectResult> => {
      if (!(options.force || forceEnabled(obj))) {
        throw new SlipwayError(
          id,
          `immutable field changed (${immutableFields(err)}); set force on the sync or annotate the object with slipway.dev/force: enabled to recreate it`,
          { cause: err },
        );
      }
      await deleteObject({ client, mapping, namespace: obj.metadata.namespace, name: obj.metadata.name, signal });
      await waitGone({ client, mapping, namespace: obj.metadata.namespace, name: obj.metadata.name, id, timeoutMs: options.deleteTimeoutMs, signal });
      await serverSideApply({ client, mapping, obj, fieldManager, signal });
      return { id, action: "created", recreated: true };
    };
    if (!live) {
      // New, or (when listed) not yet a member: nothing to compare with, so no dry-run. The
      // server says whether it created the object; adopting an existing one always changes it
      // (it gains the part-of label), so "configured" is true then.
      try {
        const applied = await serverSideApplyResult({ client, mapping, obj, fieldManager, signal });
        return { id, action: applied.created ? "created" : "configured", recreated: false };
      } catch (err) {
        if (isImmutableError(err)) return await recreate(err);
        throw err;
      }
    }
    let plan;
    try {
      plan = await dryRun({ client, mapping, obj, live, fieldManager, signal });
    } catch (err) {
      if (isImmutableError(err)) return await recreate(err);
      throw err;
    }
    if (plan.action === "unchanged") return { id, action: "unchanged", recreated: false };
    await serverSideApply({ client, mapping, obj, fieldManager, signal });
    return { id, action: plan.action, recreated: false };
  } catch (err) {
    if (err instanceof SlipwayError && err.subject === id) throw err;
    throw new SlipwayError(id, describeError(err), { cause: err });
  }
}

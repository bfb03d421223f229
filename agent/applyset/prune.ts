/**
 * Pruning an ApplySet: list each recorded group-kind in each recorded namespace with the set's
 * part-of label, and delete the members the new build no longer has — in reverse apply order,
 * with background propagation, never an object marked `slipway.dev/prune: disabled` (or Flux's
 * marker, or with reconciliation disabled).
 */
import type { Logger } from "../../core/log.ts";
import { deleteObject } from "../apply/delete-object.ts";
import { reconcileDisabled } from "../apply/apply-object.ts";
import { compareObjects, stageOf } from "../apply/sort-objects.ts";
import { describeError } from "../kube/kube-api-error.ts";
import type { KubeClient, ResourceMapping } from "../kube/kube-client.ts";
import { inventoryKey, marker, objectId, type KubeObject } from "../kube/kube-object.ts";
import { mapSettled } from "../kube/limiter.ts";
import { partOfLabel, type SetRecord } from "./applyset-parent.ts";
import { resolveGroupKind } from "./group-kind-mapping.ts";

/** Markers (label or annotation) that protect an object from pruning. */
export const pruneMarkers: readonly string[] = ["slipway.dev/prune", "kustomize.toolkit.fluxcd.io/prune"];

/** Whether an object must never be pruned. */
export function pruneDisabled(obj: KubeObject): boolean {
  return pruneMarkers.some((m) => marker(obj, m) === "disabled") || reconcileDisabled(obj);
}

/** Options for {@link pruneSet}. */
export interface PruneOptions {
  /** Deletes stale members (impersonating the sync's service account, when set). */
  client: KubeClient;
  /**
   * Finds the members: LISTs every recorded group-kind in every recorded namespace, the
   * parent's own included, which the sync's service account may not be allowed to read.
   * Default `client`.
   */
  listClient?: KubeClient;
  /** The set's id (value of the part-of label). */
  id: string;
  /** Group-kinds and namespaces to look in (the union of old and new). */
  record: SetRecord;
  /** The members to keep: the new build. */
  keep: readonly KubeObject[];
  /** Requests at once. Default 4. */
  concurrency?: number;
  signal?: AbortSignal;
  log?: Logger;
}

/** What {@link pruneSet} did. */
export interface PruneResult {
  /** Ids of deleted objects, in deletion order. */
  deleted: string[];
  /** Ids kept because they are marked prune-disabled. */
  protected: string[];
  /** Failures (listing or deleting), each naming the object or the list. */
  failures: { id: string; message: string }[];
}

/** Lists the set's live members and deletes those not in `keep`. */
export async function pruneSet(options: PruneOptions): Promise<PruneResult> {
  const { client, signal } = options;
  const listClient = options.listClient ?? client;
  const result: PruneResult = { deleted: [], protected: [], failures: [] };
  const keep = new Set(options.keep.map(inventoryKey));
  const lists: { mapping: ResourceMapping; namespace?: string }[] = [];
  for (const gk of options.record.groupKinds) {
    let mapping: ResourceMapping | undefined;
    try {
      mapping = await resolveGroupKind(listClient, gk, signal);
    } catch (err) {
      result.failures.push({ id: gk, message: describeError(err) });
      continue;
    }
    if (!mapping) continue;
    if (mapping.namespaced) for (const ns of options.record.namespaces) lists.push({ mapping, namespace: ns });
    else lists.push({ mapping });
  }
  const stale: { obj: KubeObject; mapping: ResourceMapping }[] = [];
  const listed = await mapSettled(
    lists,
    options.concurrency ?? 4,
    async ({ mapping, namespace }) => {
      const res = await listClient.request<{ items?: KubeObject[] }>({
        method: "GET",
        path: listClient.objectPath(mapping, namespace),
        query: { labelSelector: `${partOfLabel}=${options.id}` },
        signal,
      });
      return (res.body.items ?? []).map((item) => ({ ...item, apiVersion: mapping.apiVersion, kind: mapping.kind }));
    },
    signal,
  );
  for (const [i, l] of listed.entries()) {
    const { mapping, namespace } = lists[i] as (typeof lists)[number];
    if (!l.ok) {
      result.failures.push({ id: `${mapping.kind}${namespace ? ` in ${namespace}` : ""}`, message: describeError(l.error) });
      continue;
    }
    for (const obj of l.value) {
      if (obj.metadata.labels?.[partOfLabel] !== options.id || keep.has(inventoryKey(obj)) || obj.metadata.deletionTimestamp) continue;
      if (pruneDisabled(obj)) result.protected.push(objectId(obj));
      else stale.push({ obj, mapping });
    }
  }
  // Reverse apply order: workloads before Services/ConfigMaps, Namespaces and CRDs last.
  stale.sort((a, b) => stageOf(b.obj) - stageOf(a.obj) || compareObjects(b.obj, a.obj));
  for (const stage of [2, 1, 0]) {
    const batch = stale.filter((s) => stageOf(s.obj) === stage);
    const deleted = await mapSettled(
      batch,
      options.concurrency ?? 4,
      ({ obj, mapping }) => deleteObject({ client, mapping, namespace: obj.metadata.namespace, name: obj.metadata.name, uid: obj.metadata.uid, signal }),
      signal,
    );
    for (const [i, d] of deleted.entries()) {
      const id = objectId((batch[i] as (typeof batch)[number]).obj);
      if (d.ok) {
        result.deleted.push(id);
        options.log?.info(`${id} deleted`, { object: id });
      } else {
        result.failures.push({ id, message: describeError(d.error) });
      }
    }
  }
  return result;
}

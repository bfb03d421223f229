/**
 * Reading and writing a sync's ApplySet parent on the API server. The parent is applied with
 * the `slipway` field manager and touches only labels and annotations, so fields other managers
 * own (the status the agent runtime keeps in `data`) are left alone.
 */
import type { KubeClient, ResourceMapping } from "../kube/kube-client.ts";
import type { KubeObject } from "../kube/kube-object.ts";
import { serverSideApply } from "../apply/object-requests.ts";
import { applyFieldManager } from "../../core/well-known.ts";
import { parentBody, type ParentRef, type SetRecord } from "./applyset-parent.ts";

const configMaps: ResourceMapping = { group: "", version: "v1", apiVersion: "v1", kind: "ConfigMap", resource: "configmaps", namespaced: true, verbs: [] };

/** Reads the parent, or undefined when it does not exist yet. */
export async function getParent(client: KubeClient, ref: ParentRef, signal?: AbortSignal): Promise<KubeObject | undefined> {
  const res = await client.request<KubeObject>({ method: "GET", path: client.objectPath(configMaps, ref.namespace, ref.name), allowNotFound: true, signal });
  return res.status === 404 ? undefined : res.body;
}

/** Applies the parent's labels and annotations for `record`; creates the parent when missing. */
export async function writeParent(client: KubeClient, ref: ParentRef, record: SetRecord, signal?: AbortSignal): Promise<void> {
  await serverSideApply({ client, mapping: configMaps, obj: parentBody(ref, record), signal });
}

/**
 * Whether `live` already says exactly what {@link writeParent} would write for `record`: every
 * label and annotation of the parent's body at the same value, applied by the agent's field
 * manager. A write then changes nothing and is skipped (a no-op reconcile writes the parent
 * only for its status). Pure.
 */
export function parentHolds(live: KubeObject | undefined, ref: ParentRef, record: SetRecord): boolean {
  if (!live) return false;
  const body = parentBody(ref, record).metadata;
  const same = (want: Record<string, string> | undefined, have: Record<string, string> | undefined): boolean => Object.entries(want ?? {}).every(([k, v]) => have?.[k] === v);
  return same(body.labels, live.metadata.labels) && same(body.annotations, live.metadata.annotations) && (live.metadata.managedFields ?? []).some((f) => f.manager === applyFieldManager && f.operation === "Apply");
}

/**
 * Reading and writing sync status on the API server. The status lives in the sync's ApplySet
 * parent (ConfigMap `slipway-<sync>`), key `data.status`, written by server-side apply under its
 * own field manager so that the labels and annotations the apply side owns are never touched.
 */
import { SlipwayError } from "../../core/errors.ts";
import type { KubeClient } from "../kube/kube-client.ts";
import type { KubeObject } from "../kube/kube-object.ts";
import { parentRef } from "../applyset/applyset-parent.ts";
import { parseStatus, type SyncStatus } from "./sync-status.ts";
import { keyToLabel, labelToKey } from "../flux/sync-key.ts";
import { applySetToolingAnnotation, parentNamePrefix, reconcileRequestedAtAnnotation, reconcileWithSourceAnnotation, statusFieldManager, suspendAnnotation, syncLabel, toolingPrefix } from "../../core/well-known.ts";

/** One sync's parent as the agent and the CLI see it. */
export interface ParentView {
  sync: string;
  /** `ConfigMap/<ns>/slipway-<sync>`. */
  id: string;
  uid?: string;
  status?: SyncStatus;
  /** `slipway.dev/reconcile-requested-at`, when set. */
  requestedAt?: string;
  withSource: boolean;
  /** Suspended by `slipway suspend`. */
  suspended: boolean;
}

/** Status access for the syncs of one agent namespace. */
export interface StatusStore {
  readonly namespace: string;
  /** Reads one sync's parent; undefined when it does not exist. */
  get(sync: string, signal?: AbortSignal): Promise<ParentView | undefined>;
  /** Every parent in the namespace that holds status or belongs to slipway, sorted by sync name. */
  list(signal?: AbortSignal): Promise<ParentView[]>;
  /** Writes `status` (creating the parent when missing); returns the parent's uid. */
  write(sync: string, status: SyncStatus, signal?: AbortSignal): Promise<string | undefined>;
}

const cmPath = (ns: string, name?: string): string => `/api/v1/namespaces/${encodeURIComponent(ns)}/configmaps${name ? `/${encodeURIComponent(name)}` : ""}`;

/** Builds the view of a parent ConfigMap. Pure. */
export function viewParent(cm: KubeObject): ParentView | undefined {
  const name = cm.metadata.name;
  const labels = cm.metadata.labels ?? {};
  const ann = cm.metadata.annotations ?? {};
  const ours = labels[syncLabel] !== undefined || (ann[applySetToolingAnnotation] ?? "").startsWith(toolingPrefix);
  if (!ours || !name.startsWith(parentNamePrefix)) return undefined;
  const data = (cm.data ?? {}) as Record<string, string>;
  const status = parseStatus(data.status);
  return {
    sync: labelToKey(labels[syncLabel] ?? name.slice(parentNamePrefix.length)),
    id: `ConfigMap/${cm.metadata.namespace ?? ""}/${name}`,
    ...(cm.metadata.uid ? { uid: cm.metadata.uid } : {}),
    ...(status ? { status } : {}),
    ...(ann[reconcileRequestedAtAnnotation] ? { requestedAt: ann[reconcileRequestedAtAnnotation] } : {}),
    withSource: ann[reconcileWithSourceAnnotation] === "true",
    suspended: ann[suspendAnnotation] === "true",
  };
}

/** Creates the store for `namespace`. */
export function createStatusStore(client: KubeClient, namespace: string): StatusStore {
  return {
    namespace,
    async get(sync, signal) {
      const ref = parentRef(sync, namespace);
      const res = await client.request<KubeObject>({ method: "GET", path: cmPath(namespace, ref.name), allowNotFound: true, signal });
      if (res.status === 404) return undefined;
      return viewParent(res.body);
    },
    async list(signal) {
      const res = await client.request<{ items: KubeObject[] }>({ method: "GET", path: cmPath(namespace), signal });
      return res.body.items
        .map(viewParent)
        .filter((v): v is ParentView => v !== undefined)
        .sort((a, b) => a.sync.localeCompare(b.sync));
    },
    async write(sync, status, signal) {
      const ref = parentRef(sync, namespace);
      const body = {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name: ref.name, namespace, labels: { [syncLabel]: keyToLabel(sync) } },
        data: { status: JSON.stringify(status) },
      };
      try {
        const res = await client.request<KubeObject>({
          method: "PATCH",
          path: cmPath(namespace, ref.name),
          query: { fieldManager: statusFieldManager, force: "true" },
          contentType: "application/apply-patch+yaml",
          body: JSON.stringify(body),
          signal,
        });
        return res.body.metadata.uid;
      } catch (err) {
        throw new SlipwayError(`ConfigMap/${namespace}/${ref.name}`, "cannot record the sync's status", { cause: err });
      }
    },
  };
}

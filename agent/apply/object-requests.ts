/**
 * The API requests the apply engine is made of, one function each: a server-side apply (sent
 * verbatim as an apply patch, our field manager, conflicts forced; optionally a dry-run), a GET
 * that reads 404 as absent, a DELETE with a uid precondition, waiting until an object is gone,
 * and reading many live objects with one LIST per kind and namespace.
 */
import { SlipwayError } from "../../core/errors.ts";
import { applyFieldManager } from "../../core/well-known.ts";
import { pollUntil } from "../../core/poll.ts";
import type { KubeClient, ResourceMapping } from "../kube/kube-client.ts";
import { inventoryKey, type KubeObject } from "../kube/kube-object.ts";
import { mapSettled } from "../kube/limiter.ts";

/** Options for {@link serverSideApply}. */
export interface ServerSideApplyOptions {
  client: KubeClient;
  mapping: ResourceMapping;
  obj: KubeObject;
  /** Only ask the server what the result would be (`dryRun=All`). Default false. */
  dryRun?: boolean;
  /** Field manager. Default `slipway`. */
  fieldManager?: string;
  signal?: AbortSignal;
}

/** What the server answered: the object as it has (or would have) it, and whether this created it. */
export interface AppliedObject {
  object: KubeObject;
  /** True when the answer was 201 Created. */
  created: boolean;
}

/** Applies (or dry-runs) one object and returns the object as the server has (or would have) it. */
export async function serverSideApply(options: ServerSideApplyOptions): Promise<KubeObject> {
  return (await serverSideApplyResult(options)).object;
}

/** Applies (or dry-runs) one object and also says whether the apply created it. */
export async function serverSideApplyResult(options: ServerSideApplyOptions): Promise<AppliedObject> {
  const { client, mapping, obj } = options;
  const res = await client.request<KubeObject>({
    method: "PATCH",
    path: client.objectPath(mapping, obj.metadata.namespace, obj.metadata.name),
    query: { fieldManager: options.fieldManager ?? applyFieldManager, force: "true", dryRun: options.dryRun ? "All" : undefined },
    body: JSON.stringify(obj),
    contentType: "application/apply-patch+yaml",
    signal: options.signal,
  });
  return { object: res.body, created: res.status === 201 };
}

/** Reads one live object; null when it does not exist. */
export async function getObject(client: KubeClient, mapping: ResourceMapping, obj: Pick<KubeObject, "metadata">, signal?: AbortSignal): Promise<KubeObject | null> {
  const res = await client.request<KubeObject>({ method: "GET", path: client.objectPath(mapping, obj.metadata.namespace, obj.metadata.name), allowNotFound: true, signal });
  return res.status === 404 ? null : res.body;
}

/** Options for {@link deleteObject}. */
export interface DeleteObjectOptions {
  client: KubeClient;
  mapping: ResourceMapping;
  namespace?: string;
  name: string;
  /** Deletion propagation. Default `Background`. */
  propagationPolicy?: "Background" | "Foreground" | "Orphan";
  /** Only delete the object with this uid (a precondition), so a newer object of the same name survives. */
  uid?: string;
  signal?: AbortSignal;
}

/** Deletes one object; returns false when it was already gone. */
export async function deleteObject(options: DeleteObjectOptions): Promise<boolean> {
  const { client, mapping } = options;
  const res = await client.request({
    method: "DELETE",
    path: client.objectPath(mapping, options.namespace, options.name),
    body: JSON.stringify({
      kind: "DeleteOptions",
      apiVersion: "v1",
      propagationPolicy: options.propagationPolicy ?? "Background",
      ...(options.uid ? { preconditions: { uid: options.uid } } : {}),
    }),
    allowNotFound: true,
    signal: options.signal,
  });
  return res.status !== 404;
}

/** Polls until the object no longer exists; throws after `timeoutMs` (default 60000; poll every 500 ms). */
export async function waitGone(options: { client: KubeClient; mapping: ResourceMapping; namespace?: string; name: string; id: string; timeoutMs?: number; signal?: AbortSignal }): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const path = options.client.objectPath(options.mapping, options.namespace, options.name);
  const gone = await pollUntil(
    async () => ((await options.client.request({ method: "GET", path, allowNotFound: true, signal: options.signal })).status === 404 ? true : undefined),
    { intervalMs: 500, timeoutMs, signal: options.signal },
  );
  if (!gone) throw new SlipwayError(options.id, `still exists ${Math.round(timeoutMs / 1000)}s after it was deleted (a finalizer?)`);
}

/** Options for {@link readLive}. */
export interface ReadLiveOptions {
  client: KubeClient;
  objects: readonly KubeObject[];
  /** Label selector of the LIST requests, e.g. `applyset.kubernetes.io/part-of=<id>`. */
  labelSelector: string;
  /** LIST requests at once. Default 4. */
  concurrency?: number;
  /** Page size of a LIST. Default 500. */
  pageSize?: number;
  signal?: AbortSignal;
}

/** What the LISTs of {@link readLive} found. */
export interface LiveIndex {
  /** The live member, or undefined when its LIST did not return it. */
  get(obj: KubeObject): KubeObject | undefined;
  /** Whether the object's kind and namespace were listed (false after a failed LIST: read it on its own). */
  listed(obj: KubeObject): boolean;
  /** The LISTs that succeeded: each kind and namespace with every member it returned. */
  lists(): readonly { mapping: ResourceMapping; namespace?: string; items: KubeObject[] }[];
}

/**
 * The members an apply listed, by group-kind and namespace, so a prune that follows does not list
 * the same kinds again (a LIST returns every member of its resource, whichever version was asked).
 */
export class ListedMembers {
  private readonly byKind = new Map<string, KubeObject[]>();

  private static key(mapping: Pick<ResourceMapping, "group" | "kind">, namespace: string | undefined): string {
    return `${mapping.group}/${mapping.kind}/${namespace ?? ""}`;
  }

  /** Adds the successful LISTs of `index`. */
  add(index: LiveIndex): void {
    for (const l of index.lists()) this.byKind.set(ListedMembers.key(l.mapping, l.mapping.namespaced ? l.namespace : undefined), l.items);
  }

  /** The members of a kind in a namespace (undefined namespace for cluster-scoped kinds), or undefined when it was not listed. */
  items(mapping: ResourceMapping, namespace: string | undefined): KubeObject[] | undefined {
    return this.byKind.get(ListedMembers.key(mapping, mapping.namespaced ? namespace : undefined));
  }
}

/**
 * Lists the members among `objects`, one LIST per kind and namespace filtered by the label
 * selector, instead of one GET per object. Objects the lists do not return (new ones, or
 * existing ones not yet labelled) are left for a GET of their own.
 */
export async function readLive(options: ReadLiveOptions): Promise<LiveIndex> {
  const { client, signal } = options;
  const groups = new Map<string, { mapping: ResourceMapping; namespace?: string }>();
  const groupKey = (o: KubeObject): string => `${o.apiVersion}/${o.kind}/${o.metadata.namespace ?? ""}`;
  for (const o of options.objects) {
    const mapping = await client.resource(o.apiVersion, o.kind, signal);
    if (!groups.has(groupKey(o))) groups.set(groupKey(o), { mapping, namespace: mapping.namespaced ? o.metadata.namespace : undefined });
  }
  const live = new Map<string, KubeObject>();
  const entries = [...groups.entries()];
  const results = await mapSettled(
    entries.map(([, g]) => g),
    options.concurrency ?? 4,
    async ({ mapping, namespace }) => {
      const items: KubeObject[] = [];
      let cont: string | undefined;
      do {
        const res = await client.request<{ items?: KubeObject[]; metadata?: { continue?: string } }>({
          method: "GET",
          path: client.objectPath(mapping, namespace),
          query: { labelSelector: options.labelSelector, limit: String(options.pageSize ?? 500), continue: cont },
          signal,
        });
        for (const item of res.body.items ?? []) {
          const obj = { ...item, apiVersion: mapping.apiVersion, kind: mapping.kind };
          live.set(inventoryKey(obj), obj);
          items.push(obj);
        }
        cont = res.body.metadata?.continue || undefined;
      } while (cont);
      return items;
    },
    signal,
  );
  const listed = new Set(entries.filter((_, i) => results[i]?.ok).map(([key]) => key));
  const lists = entries.flatMap(([, g], i) => {
    const r = results[i];
    return r?.ok ? [{ ...g, items: r.value }] : [];
  });
  return { get: (obj) => live.get(inventoryKey(obj)), listed: (obj) => listed.has(groupKey(obj)), lists: () => lists };
}

/**
 * Reading the live state of many objects at once: one LIST per kind and namespace, filtered by a
 * label selector (the ApplySet's part-of label), instead of one GET per object. Objects the lists
 * do not return (new ones, or existing ones not yet labelled) are left for a GET of their own.
 */
import type { KubeClient, ResourceMapping } from "../kube/kube-client.ts";
import { inventoryKey, type KubeObject } from "../kube/kube-object.ts";
import { mapSettled } from "../kube/limiter.ts";

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

/** What the LISTs found. */
export interface LiveIndex {
  /** The live member, or undefined when its LIST did not return it. */
  get(obj: KubeObject): KubeObject | undefined;
  /** Whether the object's kind and namespace were listed (false after a failed LIST: read it on its own). */
  listed(obj: KubeObject): boolean;
}

/** Lists the members among `objects`, one LIST per kind and namespace. */
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
        }
        cont = res.body.metadata?.continue || undefined;
      } while (cont);
    },
    signal,
  );
  const listed = new Set(entries.filter((_, i) => results[i]?.ok).map(([key]) => key));
  return { get: (obj) => live.get(inventoryKey(obj)), listed: (obj) => listed.has(groupKey(obj)) };
}

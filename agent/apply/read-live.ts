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

/** Returns the live objects found, by inventory key. A failed LIST leaves its objects out (they are read one by one). */
export async function readLive(options: ReadLiveOptions): Promise<Map<string, KubeObject>> {
  const { client, signal } = options;
  const groups = new Map<string, { mapping: ResourceMapping; namespace?: string }>();
  for (const o of options.objects) {
    const mapping = await client.resource(o.apiVersion, o.kind, signal);
    const key = `${mapping.apiVersion}/${mapping.resource}/${o.metadata.namespace ?? ""}`;
    if (!groups.has(key)) groups.set(key, { mapping, namespace: mapping.namespaced ? o.metadata.namespace : undefined });
  }
  const live = new Map<string, KubeObject>();
  await mapSettled(
    [...groups.values()],
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
  return live;
}

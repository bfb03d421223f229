/**
 * Deleting an object and waiting until it is gone (used to recreate an object whose immutable
 * fields changed, and by pruning).
 */
import { SlipwayError } from "../../core/errors.ts";
import { sleep } from "../../core/retry.ts";
import type { KubeClient, ResourceMapping } from "../kube/kube-client.ts";

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
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  const path = options.client.objectPath(options.mapping, options.namespace, options.name);
  for (;;) {
    const res = await options.client.request({ method: "GET", path, allowNotFound: true, signal: options.signal });
    if (res.status === 404) return;
    if (Date.now() >= deadline) throw new SlipwayError(options.id, `still exists ${Math.round((options.timeoutMs ?? 60_000) / 1000)}s after it was deleted (a finalizer?)`);
    await sleep(500, options.signal);
  }
}

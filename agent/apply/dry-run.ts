/**
 * Diff by server-side dry-run: what would applying this object change? The live object and the
 * server's dry-run result are compared (see drift.ts), so defaults, admission and field ownership
 * are the server's, not a guess.
 */
import type { KubeClient, ResourceMapping } from "../kube/kube-client.ts";
import type { KubeObject } from "../kube/kube-object.ts";
import { hasDrifted } from "./drift.ts";
import { serverSideApply } from "./server-side-apply.ts";

/** What a dry-run found: the live object (undefined when absent), the would-be result, and whether they differ. */
export interface DryRunResult {
  live: KubeObject | undefined;
  result: KubeObject;
  /** `created` when the object does not exist, `configured` when it would change, `unchanged` otherwise. */
  action: "created" | "configured" | "unchanged";
}

/** Options for {@link dryRun}. */
export interface DryRunOptions {
  client: KubeClient;
  mapping: ResourceMapping;
  obj: KubeObject;
  /** The live object when already read; read with GET otherwise. */
  live?: KubeObject | null;
  fieldManager?: string;
  signal?: AbortSignal;
}

/** Reads the live object (unless given) and dry-runs the apply; throws the server's error (e.g. an immutable field). */
export async function dryRun(options: DryRunOptions): Promise<DryRunResult> {
  const { client, mapping, obj, signal } = options;
  let live: KubeObject | undefined;
  if (options.live !== undefined) {
    live = options.live ?? undefined;
  } else {
    const res = await client.request<KubeObject>({
      method: "GET",
      path: client.objectPath(mapping, obj.metadata.namespace, obj.metadata.name),
      allowNotFound: true,
      signal,
    });
    live = res.status === 404 ? undefined : res.body;
  }
  const result = await serverSideApply({ client, mapping, obj, dryRun: true, fieldManager: options.fieldManager, signal });
  if (live && hasDrifted(live, result) && result.metadata.resourceVersion !== live.metadata.resourceVersion) {
    // The live copy is older than the object the dry-run saw (a controller wrote to it since we
    // read it, e.g. the revision annotation on a new Deployment): compare with a fresh read.
    const res = await client.request<KubeObject>({ method: "GET", path: client.objectPath(mapping, obj.metadata.namespace, obj.metadata.name), allowNotFound: true, signal });
    live = res.status === 404 ? undefined : res.body;
  }
  const action = !live ? "created" : hasDrifted(live, result) ? "configured" : "unchanged";
  return { live, result, action };
}

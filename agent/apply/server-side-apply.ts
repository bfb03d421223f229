/**
 * One server-side apply request (optionally a dry-run): the object is sent verbatim as an
 * apply patch, with our field manager and conflicts forced.
 */
import type { KubeClient, ResourceMapping } from "../kube/kube-client.ts";
import type { KubeObject } from "../kube/kube-object.ts";

/** The field manager Slipway applies with. */
export const defaultFieldManager = "slipway";

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
    query: { fieldManager: options.fieldManager ?? defaultFieldManager, force: "true", dryRun: options.dryRun ? "All" : undefined },
    body: JSON.stringify(obj),
    contentType: "application/apply-patch+yaml",
    signal: options.signal,
  });
  return { object: res.body, created: res.status === 201 };
}

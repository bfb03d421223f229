/**
 * Finding the REST resource of a group-kind recorded on a parent (`Deployment.apps`) when no
 * object of the current build names its version: the group's preferred version first.
 */
import type { KubeClient, ResourceMapping } from "../kube/kube-client.ts";
import { UnknownKindError } from "../kube/unknown-kind-error.ts";

/** Splits `Kind.group` (`Deployment.apps`, `Service`) into kind and group. */
export function splitGroupKind(groupKind: string): { kind: string; group: string } {
  const dot = groupKind.indexOf(".");
  return dot < 0 ? { kind: groupKind, group: "" } : { kind: groupKind.slice(0, dot), group: groupKind.slice(dot + 1) };
}

/** The mapping of a group-kind, or undefined when the server no longer serves it (nothing of it can exist). */
export async function resolveGroupKind(client: KubeClient, groupKind: string, signal?: AbortSignal): Promise<ResourceMapping | undefined> {
  const { kind, group } = splitGroupKind(groupKind);
  const versions: string[] = [];
  if (group === "") {
    versions.push("v1");
  } else {
    const res = await client.request<{ preferredVersion?: { groupVersion?: string }; versions?: { groupVersion?: string }[] }>({
      method: "GET",
      path: `/apis/${group}`,
      allowNotFound: true,
      signal,
    });
    if (res.status === 404) return undefined;
    const preferred = res.body.preferredVersion?.groupVersion;
    if (preferred) versions.push(preferred);
    for (const v of res.body.versions ?? []) if (v.groupVersion && v.groupVersion !== preferred) versions.push(v.groupVersion);
  }
  for (const apiVersion of versions) {
    try {
      return await client.resource(apiVersion, kind, signal);
    } catch (err) {
      if (!(err instanceof UnknownKindError)) throw err;
    }
  }
  return undefined;
}

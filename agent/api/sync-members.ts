/**
 * The live members of a sync's ApplySet, read the way pruning finds them: the parent's recorded
 * group-kinds and namespaces, one LIST per kind and namespace filtered by the `part-of` label.
 * Used by the status API, the status page and the image metrics, so they report what runs in the
 * cluster rather than what the last build meant to apply.
 */
import { applySetPartOfLabel } from "../../core/well-known.ts";
import { getParent } from "../applyset/applyset-store.ts";
import { parentId, parentRef, readParent } from "../applyset/applyset-parent.ts";
import { resolveGroupKind } from "../applyset/group-kind-mapping.ts";
import type { KubeClient } from "../kube/kube-client.ts";
import { objectId, type KubeObject } from "../kube/kube-object.ts";
import { computeStatus } from "../health/compute-status.ts";
import type { HealthStatus } from "../health/health-status.ts";

/** One member and its health by kstatus' rules. */
export interface MemberHealth {
  /** `Kind/namespace/name` (`Kind/name` when cluster-scoped). */
  id: string;
  status: HealthStatus;
  message: string;
}

/**
 * Lists the live members of `sync`'s set in `agentNamespace`, sorted by id. A kind the server no
 * longer serves has no members; a parent that does not exist yet means an empty set.
 */
export async function listSyncMembers(client: KubeClient, sync: string, agentNamespace: string, signal?: AbortSignal): Promise<KubeObject[]> {
  const ref = parentRef(sync, agentNamespace);
  const parent = await getParent(client, ref, signal);
  if (!parent) return [];
  const record = readParent(parent, ref);
  const selector = `${applySetPartOfLabel}=${parentId(ref)}`;
  const out: KubeObject[] = [];
  for (const gk of record.groupKinds) {
    const mapping = await resolveGroupKind(client, gk, signal);
    if (!mapping) continue;
    const namespaces: (string | undefined)[] = mapping.namespaced ? record.namespaces : [undefined];
    for (const ns of namespaces) {
      let cont: string | undefined;
      do {
        const res = await client.request<{ items?: KubeObject[]; metadata?: { continue?: string } }>({
          method: "GET",
          path: client.objectPath(mapping, ns),
          query: { labelSelector: selector, limit: "500", continue: cont },
          signal,
        });
        for (const item of res.body.items ?? []) out.push({ ...item, apiVersion: mapping.apiVersion, kind: mapping.kind });
        cont = res.body.metadata?.continue || undefined;
      } while (cont);
    }
  }
  return out.sort((a, b) => objectId(a).localeCompare(objectId(b)));
}

/** The health of each member (kstatus' rules, {@link computeStatus}). Pure. */
export function memberHealth(members: readonly KubeObject[], now: Date = new Date()): MemberHealth[] {
  return members.map((m) => {
    const h = computeStatus(m, now);
    return { id: objectId(m), status: h.status, message: h.message };
  });
}

/**
 * What `slipway check` asks the API server about the agent's ServiceAccount: the rights the agent
 * needs, derived from its configuration and each sync's build (which kinds in which namespaces),
 * each asked as a SubjectAccessReview for `system:serviceaccount:<ns>:<name>` (with the groups a
 * ServiceAccount token carries), so that the answer is the agent's, not the caller's.
 */
import type { KubeClient } from "../../agent/kube/kube-client.ts";
import type { ResourceMapping } from "../../agent/kube/resource-mapping.ts";

/** One right: a verb on a resource in a namespace (`""` cluster-wide), and why it is needed. */
export interface AccessNeed {
  /** `system:serviceaccount:<ns>:<name>`: the agent, or a sync's impersonated account. */
  user: string;
  verb: string;
  /** API group, `""` for the core group. */
  group: string;
  resource: string;
  /** `""` for cluster-scoped resources. */
  namespace: string;
  /** For a named object only (impersonation of one ServiceAccount). Default: any name. */
  name?: string;
  /** What needs it: `ApplySet parents`, `apply of sync shop`, … */
  purpose: string;
}

/** The ServiceAccount user name. Pure. */
export function serviceAccountUser(namespace: string, name: string): string {
  return `system:serviceaccount:${namespace}:${name}`;
}

/** The agent's own bookkeeping in its namespace: ApplySet parents and status, Events, the leader Lease. Pure. */
export function agentNamespaceNeeds(user: string, namespace: string): AccessNeed[] {
  const need = (verb: string, group: string, resource: string, purpose: string): AccessNeed => ({ user, verb, group, resource, namespace, purpose });
  return [
    ...["get", "list", "watch", "create", "patch", "delete"].map((v) => need(v, "", "configmaps", "ApplySet parents and status")),
    need("create", "events.k8s.io", "events", "Events"),
    ...["get", "create", "update"].map((v) => need(v, "coordination.k8s.io", "leases", "the leader Lease")),
  ];
}

/** A planned object as far as the rights go: its mapping and settled namespace. */
export interface PlannedKind {
  mapping: Pick<ResourceMapping, "group" | "resource" | "namespaced">;
  namespace?: string;
}

/**
 * The rights one sync's build needs: apply (get, list, watch, patch) of each kind in each of its
 * namespaces, delete when it prunes, as `user`. Deduplicated, in first-seen order. Pure.
 */
export function syncNeeds(user: string, sync: string, planned: readonly PlannedKind[], prune: boolean): AccessNeed[] {
  const out = new Map<string, AccessNeed>();
  const verbs = ["get", "list", "watch", "patch", ...(prune ? ["delete"] : [])];
  for (const p of planned) {
    const namespace = p.mapping.namespaced ? (p.namespace ?? "default") : "";
    for (const verb of verbs) {
      const key = `${verb}|${p.mapping.group}|${p.mapping.resource}|${namespace}`;
      if (!out.has(key)) out.set(key, { user, verb, group: p.mapping.group, resource: p.mapping.resource, namespace, purpose: `${verb === "delete" ? "prune" : "apply"} of sync ${sync}` });
    }
  }
  return [...out.values()];
}

/** The groups a ServiceAccount's token carries, which bindings to groups match. Pure. */
function groupsOf(user: string): string[] {
  const ns = /^system:serviceaccount:([^:]+):/.exec(user)?.[1];
  return ns ? ["system:serviceaccounts", `system:serviceaccounts:${ns}`, "system:authenticated"] : ["system:authenticated"];
}

/** Asks one SubjectAccessReview per need (deduplicated); returns the needs that are denied. */
export async function missingAccess(client: KubeClient, needs: readonly AccessNeed[], signal: AbortSignal): Promise<AccessNeed[]> {
  const missing: AccessNeed[] = [];
  const asked = new Map<string, boolean>();
  for (const n of needs) {
    const key = `${n.user}|${n.verb}|${n.group}|${n.resource}|${n.namespace}|${n.name ?? ""}`;
    let allowed = asked.get(key);
    if (allowed === undefined) {
      const review = {
        apiVersion: "authorization.k8s.io/v1",
        kind: "SubjectAccessReview",
        spec: {
          user: n.user,
          groups: groupsOf(n.user),
          resourceAttributes: { verb: n.verb, group: n.group, resource: n.resource, ...(n.namespace ? { namespace: n.namespace } : {}), ...(n.name ? { name: n.name } : {}) },
        },
      };
      const { body } = await client.request<{ status?: { allowed?: boolean } }>({ method: "POST", path: "/apis/authorization.k8s.io/v1/subjectaccessreviews", body: JSON.stringify(review), signal });
      allowed = body.status?.allowed === true;
      asked.set(key, allowed);
    }
    if (!allowed) missing.push(n);
  }
  return missing;
}

/** The missing rights as an aligned table (VERB, RESOURCE, NAMESPACE, AS, FOR), one line each. Pure. */
export function formatMissing(missing: readonly AccessNeed[], agentUser: string): string[] {
  const rows = [["VERB", "RESOURCE", "NAMESPACE", "AS", "FOR"], ...missing.map((m) => [m.verb, `${m.resource}${m.group ? `.${m.group}` : ""}${m.name ? `/${m.name}` : ""}`, m.namespace || "(cluster)", m.user === agentUser ? "agent" : m.user, m.purpose])];
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length))) ?? [];
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join("  "));
}

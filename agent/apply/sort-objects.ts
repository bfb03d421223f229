/**
 * Apply order. Objects are applied in three stages — (1) CRDs, Namespaces and ClusterRoles,
 * (2) kinds whose name ends in `Class`, (3) everything else — and within a stage by a fixed kind
 * order (ServiceAccounts, RBAC, ConfigMaps, Secrets and Services before workloads; other kinds
 * after them; admission webhooks last), ties broken by namespace, then name.
 */
import type { KubeObject } from "../kube/kube-object.ts";

/** The fixed kind order; kinds not listed come after these (alphabetically), webhooks last. */
export const kindOrder: readonly string[] = [
  "CustomResourceDefinition",
  "Namespace",
  "ClusterRole",
  "ClusterClass",
  "RuntimeClass",
  "PriorityClass",
  "StorageClass",
  "VolumeSnapshotClass",
  "IngressClass",
  "GatewayClass",
  "ClusterRoleBinding",
  "ResourceQuota",
  "ServiceAccount",
  "Role",
  "RoleBinding",
  "ConfigMap",
  "Secret",
  "Service",
  "LimitRange",
  "Deployment",
  "StatefulSet",
  "CronJob",
  "PodDisruptionBudget",
];

const lastKinds: readonly string[] = ["MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"];
const firstStageKinds = new Set(["CustomResourceDefinition", "Namespace", "ClusterRole"]);

/** The stage an object is applied in: 0 (CRDs, Namespaces, ClusterRoles), 1 (`…Class` kinds), 2 (the rest). */
export function stageOf(obj: Pick<KubeObject, "kind">): 0 | 1 | 2 {
  if (firstStageKinds.has(obj.kind)) return 0;
  if (obj.kind.endsWith("Class")) return 1;
  return 2;
}

function kindRank(kind: string): number {
  const i = kindOrder.indexOf(kind);
  if (i >= 0) return i;
  const w = lastKinds.indexOf(kind);
  if (w >= 0) return kindOrder.length + 1 + w;
  return kindOrder.length;
}

/** Orders two objects by kind rank, then kind name (for unlisted kinds), namespace and name. */
export function compareObjects(a: Pick<KubeObject, "kind" | "metadata">, b: Pick<KubeObject, "kind" | "metadata">): number {
  const r = kindRank(a.kind) - kindRank(b.kind);
  if (r !== 0) return r;
  if (a.kind !== b.kind) return a.kind < b.kind ? -1 : 1;
  const an = a.metadata.namespace ?? "";
  const bn = b.metadata.namespace ?? "";
  if (an !== bn) return an < bn ? -1 : 1;
  return a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0;
}

/** Splits objects into the three apply stages, each sorted; empty stages stay in the result. */
export function stageObjects<T extends Pick<KubeObject, "kind" | "metadata">>(objects: readonly T[]): [T[], T[], T[]] {
  const stages: [T[], T[], T[]] = [[], [], []];
  for (const o of objects) stages[stageOf(o)].push(o);
  for (const s of stages) s.sort(compareObjects);
  return stages;
}

/**
 * The shape of one Kubernetes object as Slipway handles it: a parsed YAML/JSON document kept
 * whole (unknown fields included), plus the ids used in change sets and inventories.
 */

/** Object metadata. Only the fields Slipway reads are typed; everything else is kept as is. */
export interface KubeMetadata {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  uid?: string;
  generation?: number;
  resourceVersion?: string;
  deletionTimestamp?: string;
  managedFields?: ManagedFieldsEntry[];
  [field: string]: unknown;
}

/** One entry of `metadata.managedFields`. */
export interface ManagedFieldsEntry {
  manager?: string;
  operation?: "Apply" | "Update" | string;
  apiVersion?: string;
  fieldsType?: string;
  fieldsV1?: Record<string, unknown>;
  subresource?: string;
  time?: string;
  [field: string]: unknown;
}

/** A Kubernetes object: apiVersion, kind, metadata, and any other fields, untouched. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: KubeMetadata;
  [field: string]: unknown;
}

/** Splits an apiVersion into group and version; the core group is `""` (`v1` → `{group:"", version:"v1"}`). */
export function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.indexOf("/");
  if (slash < 0) return { group: "", version: apiVersion };
  return { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

/** The object's id in kubectl's words: `Kind/namespace/name`, or `Kind/name` for cluster-scoped objects. */
export function objectId(obj: Pick<KubeObject, "kind" | "metadata">): string {
  const ns = obj.metadata.namespace;
  return ns ? `${obj.kind}/${ns}/${obj.metadata.name}` : `${obj.kind}/${obj.metadata.name}`;
}

/** The object's group-kind as ApplySets write it: `Kind.group`, or `Kind` for the core group. */
export function groupKind(obj: Pick<KubeObject, "apiVersion" | "kind">): string {
  const { group } = splitApiVersion(obj.apiVersion);
  return group ? `${obj.kind}.${group}` : obj.kind;
}

/** The inventory key of an object: `<namespace>_<name>_<group>_<kind>` (empty namespace/group when none). */
export function inventoryKey(obj: Pick<KubeObject, "apiVersion" | "kind" | "metadata">): string {
  const { group } = splitApiVersion(obj.apiVersion);
  return `${obj.metadata.namespace ?? ""}_${obj.metadata.name}_${group}_${obj.kind}`;
}

/**
 * The parts of an {@link inventoryKey} (no part of one holds `_`: names, namespaces, groups and
 * kinds cannot), with the group-kind as {@link groupKind} writes it. Pure.
 */
export function parseInventoryKey(key: string): { namespace: string; name: string; group: string; kind: string; groupKind: string } {
  const [namespace = "", name = "", group = "", kind = ""] = key.split("_");
  return { namespace, name, group, kind, groupKind: group ? `${kind}.${group}` : kind };
}

/** Whether a parsed document has the fields every object needs (apiVersion, kind, metadata.name). */
export function isKubeObject(value: unknown): value is KubeObject {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const v = value as Record<string, unknown>;
  const meta = v.metadata as Record<string, unknown> | undefined;
  return (
    typeof v.apiVersion === "string" &&
    v.apiVersion !== "" &&
    typeof v.kind === "string" &&
    v.kind !== "" &&
    typeof meta === "object" &&
    meta !== null &&
    typeof meta.name === "string" &&
    meta.name !== ""
  );
}

/** Reads a label or annotation (label first) — used for opt-out markers such as `slipway.dev/prune`. */
export function marker(obj: Pick<KubeObject, "metadata">, key: string): string | undefined {
  return obj.metadata.labels?.[key] ?? obj.metadata.annotations?.[key];
}

/**
 * Drift detection: does a server-side dry-run of our object differ from the live object? Compared
 * are labels, annotations and everything outside `metadata` and `status`; bookkeeping the server
 * changes on every write (resourceVersion, generation, managedFields, timestamps) is ignored.
 */
import type { KubeObject } from "../kube/kube-object.ts";

/** Deep equality of JSON values (object key order ignored). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== "object") return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((v, i) => jsonEqual(v, bb[i]));
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const ak = Object.keys(ao).filter((k) => ao[k] !== undefined);
  const bk = Object.keys(bo).filter((k) => bo[k] !== undefined);
  return ak.length === bk.length && ak.every((k) => Object.hasOwn(bo, k) && jsonEqual(ao[k], bo[k]));
}

function comparable(obj: KubeObject): Record<string, unknown> {
  const rest: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) if (k !== "metadata" && k !== "status") rest[k] = v;
  return { labels: obj.metadata.labels ?? {}, annotations: obj.metadata.annotations ?? {}, rest };
}

/** True when the dry-run result would change the live object (labels, annotations, or any non-metadata, non-status field). */
export function hasDrifted(live: KubeObject, dryRun: KubeObject): boolean {
  return !jsonEqual(comparable(live), comparable(dryRun));
}

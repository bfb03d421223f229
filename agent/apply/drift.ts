/**
 * Drift detection: does a server-side dry-run of our object differ from the live object? Compared
 * are labels, annotations and everything outside `metadata` and `status`; bookkeeping the server
 * changes on every write (resourceVersion, generation, managedFields, timestamps) is ignored.
 */
import { isDeepStrictEqual } from "node:util";
import type { KubeObject } from "../kube/kube-object.ts";

/**
 * Deep equality of JSON values as the API server sends them: object key order is ignored, array
 * order is not (Node's `isDeepStrictEqual`; JSON has no undefined, so strictness costs nothing).
 */
export function jsonEqual(a: unknown, b: unknown): boolean {
  return isDeepStrictEqual(a, b);
}

/** The part of an object drift is judged on: labels, annotations, and every field but metadata and status. */
export function driftView(obj: KubeObject): { labels: Record<string, string>; annotations: Record<string, string>; rest: Record<string, unknown> } {
  const rest: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) if (k !== "metadata" && k !== "status") rest[k] = v;
  return { labels: obj.metadata.labels ?? {}, annotations: obj.metadata.annotations ?? {}, rest };
}

/** True when the dry-run result would change the live object (labels, annotations, or any non-metadata, non-status field). */
export function hasDrifted(live: KubeObject, dryRun: KubeObject): boolean {
  return !jsonEqual(driftView(live), driftView(dryRun));
}

/**
 * The text of a plan's per-object diff: a unified diff of what drift is judged on (labels,
 * annotations, every field but the rest of metadata and status; see drift.ts) between the live
 * object and the server's dry-run result, as sorted YAML. Secret values never appear: each value
 * of `data` and `stringData` (and kubectl's last-applied annotation, which holds them too) is
 * replaced, as Flux and Argo CD do, so the diff shows which keys changed but not their values.
 * Pure.
 */
import { stringify } from "yaml";
import { unifiedDiff } from "../../core/markers/unified-diff.ts";
import type { KubeObject } from "../kube/kube-object.ts";
import { jsonEqual } from "./drift.ts";

/** What a Secret value is shown as when it is the same on both sides (or on one side only). */
export const maskedValue = "***";
/** What a changed Secret value is shown as, before and after. */
export const maskedChange = { before: "*** (before)", after: "*** (after)" } as const;

const lastApplied = "kubectl.kubernetes.io/last-applied-configuration";

function isSecret(obj: KubeObject | undefined): obj is KubeObject {
  return obj?.kind === "Secret" && obj.apiVersion === "v1";
}

function maskMap(a: Record<string, unknown> | undefined, b: Record<string, unknown> | undefined): [Record<string, string> | undefined, Record<string, string> | undefined] {
  const mask = (own: Record<string, unknown> | undefined, other: Record<string, unknown> | undefined, side: "before" | "after"): Record<string, string> | undefined => {
    if (!own || typeof own !== "object") return own === undefined ? undefined : {};
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(own)) out[k] = other && Object.hasOwn(other, k) && !jsonEqual(other[k], v) ? maskedChange[side] : maskedValue;
    return out;
  };
  return [mask(a, b, "before"), mask(b, a, "after")];
}

/**
 * Copies of `before` and `after` with every Secret value masked (objects of other kinds are
 * returned as they are). A value that differs between the two sides is shown as
 * `*** (before)` / `*** (after)`; a value that is the same, or on one side only, as `***`.
 */
export function maskSecrets(before: KubeObject | undefined, after: KubeObject | undefined): [KubeObject | undefined, KubeObject | undefined] {
  if (!isSecret(before) && !isSecret(after)) return [before, after];
  const out: [KubeObject | undefined, KubeObject | undefined] = [before && { ...before, metadata: { ...before.metadata } }, after && { ...after, metadata: { ...after.metadata } }];
  for (const field of ["data", "stringData"] as const) {
    const [b, a] = maskMap(before?.[field] as Record<string, unknown> | undefined, after?.[field] as Record<string, unknown> | undefined);
    if (out[0] && b !== undefined) out[0][field] = b;
    if (out[1] && a !== undefined) out[1][field] = a;
  }
  const [b, a] = maskMap(before?.metadata.annotations, after?.metadata.annotations);
  for (const [i, masked] of [b, a].entries()) {
    const o = out[i];
    const anns = o?.metadata.annotations;
    if (o && anns?.[lastApplied] !== undefined) o.metadata.annotations = { ...anns, [lastApplied]: masked?.[lastApplied] ?? maskedValue };
  }
  return out;
}

/** The part of an object a plan shows: apiVersion, kind, name, namespace, labels, annotations, and all but metadata and status. */
export function diffView(obj: KubeObject): Record<string, unknown> {
  const { name, namespace, labels, annotations } = obj.metadata;
  const rest: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) if (k !== "metadata" && k !== "status") rest[k] = v;
  return { ...rest, metadata: { name, ...(namespace ? { namespace } : {}), ...(labels ? { labels } : {}), ...(annotations ? { annotations } : {}) } };
}

/** The view of an object as sorted YAML ("" for none): the text a plan diffs. */
export function diffText(obj: KubeObject | undefined): string {
  return obj ? stringify(diffView(obj), { sortMapEntries: true, lineWidth: 0 }) : "";
}

/** The unified diff from `before` (live; undefined when absent) to `after` (undefined when deleted), Secret values masked; "" when equal. */
export function objectDiff(id: string, before: KubeObject | undefined, after: KubeObject | undefined): string {
  const [b, a] = maskSecrets(before, after);
  return unifiedDiff(id, diffText(b), diffText(a));
}

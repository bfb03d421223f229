/**
 * Taking over field ownership from hand edits. Fields set with `kubectl edit`, `kubectl scale`,
 * `kubectl patch`, client-side `kubectl apply` or before the first server-side apply belong to
 * other field managers, so a server-side apply would leave them alone. Before applying we move
 * those managers' fields to our own manager; the next apply then puts the fields back as the
 * build says (or removes them when the build does not set them).
 */
import { isDeepStrictEqual } from "node:util";
import { takeoverFieldManagers } from "../../core/well-known.ts";
import type { KubeObject, ManagedFieldsEntry } from "../kube/kube-object.ts";

/** A managedFields `fieldsV1` tree: `f:<field>`, `k:<list key>`, `v:<set value>`, `i:<index>`, `.` (the node itself). */
export type FieldSet = Record<string, unknown>;

/** Union of two managedFields `fieldsV1` trees. */
export function mergeFieldSets(a: FieldSet, b: FieldSet): FieldSet {
  const out: FieldSet = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const prev = out[k];
    out[k] = prev && typeof prev === "object" && v && typeof v === "object" ? mergeFieldSets(prev as FieldSet, v as FieldSet) : v;
  }
  return out;
}

/**
 * The managedFields the object should have after the takeover, or undefined when no entry
 * belongs to a takeover manager. Entries of takeover managers on the main resource (not a
 * subresource such as status) become part of `manager`'s Apply entry for the same apiVersion.
 */
export function takeOverManagedFields(live: KubeObject, manager: string): ManagedFieldsEntry[] | undefined {
  const entries = live.metadata.managedFields ?? [];
  const isTakeover = (e: ManagedFieldsEntry): boolean => takeoverFieldManagers.includes(e.manager ?? "") && !e.subresource;
  if (!entries.some(isTakeover)) return undefined;
  const kept: ManagedFieldsEntry[] = [];
  const ours = new Map<string, ManagedFieldsEntry>();
  const absorb = (e: ManagedFieldsEntry): void => {
    const key = e.apiVersion ?? live.apiVersion;
    const prev = ours.get(key);
    ours.set(key, {
      manager,
      operation: "Apply",
      apiVersion: key,
      time: e.time ?? prev?.time,
      fieldsType: "FieldsV1",
      fieldsV1: mergeFieldSets(prev?.fieldsV1 ?? {}, e.fieldsV1 ?? {}),
    });
  };
  for (const e of entries) {
    if (isTakeover(e) || (e.manager === manager && e.operation === "Apply" && !e.subresource)) absorb(e);
    else kept.push(e);
  }
  return [...kept, ...ours.values()];
}

/** The fields of `a` that `b` does not own (fieldsV1 trees; a leaf of `b` owns everything under it). */
export function subtractFieldSets(a: FieldSet, b: FieldSet): FieldSet {
  const out: FieldSet = {};
  for (const [k, v] of Object.entries(a)) {
    if (!Object.hasOwn(b, k)) {
      out[k] = v;
      continue;
    }
    const av = (v ?? {}) as FieldSet;
    const bv = (b[k] ?? {}) as FieldSet;
    // b owns the whole field, or a owns it whole while b owns parts: nobody releases it.
    if (Object.keys(bv).length === 0 || Object.keys(av).length === 0) continue;
    const rest = subtractFieldSets(av, bv);
    if (Object.keys(rest).length > 0) out[k] = rest;
  }
  return out;
}

/**
 * The fields an Override apply releases through the takeover, judged on the server's dry-run
 * answer `result`: owned by a takeover manager (main resource) and by no other manager, ours
 * included. The agent moves them to its own manager first, and since the build does not set
 * them, the apply then removes them (e.g. a data key added with `kubectl patch`).
 */
export function fieldsReleasedByTakeover(result: KubeObject, manager: string): FieldSet {
  let theirs: FieldSet = {};
  let others: FieldSet = {};
  for (const e of result.metadata.managedFields ?? []) {
    const isTakeover = takeoverFieldManagers.includes(e.manager ?? "") && !e.subresource && e.manager !== manager;
    if (isTakeover) theirs = mergeFieldSets(theirs, e.fieldsV1 ?? {});
    else others = mergeFieldSets(others, e.fieldsV1 ?? {});
  }
  return subtractFieldSets(theirs, others);
}

const removed = Symbol("removed");

function removeFields(value: unknown, set: FieldSet): unknown {
  const keys = Object.keys(set).filter((k) => k !== ".");
  if (keys.length === 0) return removed;
  const self = Object.hasOwn(set, ".");
  if (Array.isArray(value)) {
    let items: unknown[] = value;
    for (const k of keys) {
      const sub = (set[k] ?? {}) as FieldSet;
      const matches = (item: unknown, i: number): boolean => {
        if (k.startsWith("i:")) return Number(k.slice(2)) === i;
        const want = JSON.parse(k.slice(2)) as unknown;
        if (k.startsWith("v:")) return isDeepStrictEqual(item, want);
        if (!k.startsWith("k:") || typeof item !== "object" || item === null || typeof want !== "object" || want === null) return false;
        return Object.entries(want).every(([f, v]) => isDeepStrictEqual((item as Record<string, unknown>)[f], v));
      };
      items = items.flatMap((item, i) => {
        if (!matches(item, i)) return [item];
        const r = removeFields(item, sub);
        return r === removed ? [] : [r];
      });
    }
    return self && items.length === 0 ? removed : items;
  }
  if (typeof value === "object" && value !== null) {
    const out: Record<string, unknown> = { ...(value as Record<string, unknown>) };
    for (const k of keys) {
      const name = k.slice(2);
      if (!k.startsWith("f:") || !Object.hasOwn(out, name)) continue;
      const r = removeFields(out[name], (set[k] ?? {}) as FieldSet);
      if (r === removed) delete out[name];
      else out[name] = r;
    }
    return self && Object.keys(out).length === 0 ? removed : out;
  }
  return value;
}

/** A copy of `obj` without the fields of `fields` (a fieldsV1 tree), as the server removes released fields. */
export function withoutFields(obj: KubeObject, fields: FieldSet): KubeObject {
  if (Object.keys(fields).length === 0) return obj;
  const r = removeFields(obj, fields);
  return (r === removed ? { apiVersion: obj.apiVersion, kind: obj.kind, metadata: obj.metadata } : r) as KubeObject;
}

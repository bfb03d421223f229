/**
 * The ApplySet parent of a sync: a ConfigMap `slipway-<sync>` in the agent namespace whose labels
 * and annotations record the set (id, tooling, group-kinds, namespaces). Pure functions: reading
 * the record from a live parent, checking it is ours, and building the apply body.
 */
import { SlipwayError } from "../../core/errors.ts";
import { VERSION } from "../../core/version.ts";
import {
  applySetGroupKindsAnnotation,
  applySetIdLabel,
  applySetNamespacesAnnotation,
  applySetPartOfLabel,
  applySetToolingAnnotation,
  defaultAgentNamespace,
  parentNamePrefix,
  toolingPrefix,
} from "../../core/well-known.ts";
import { groupKind, type KubeObject } from "../kube/kube-object.ts";
import { applySetId } from "./applyset-id.ts";

/** Our tooling value: `slipway/<version>`. */
export const tooling = `${toolingPrefix}${VERSION}`;

/** Where a sync's parent lives. */
export interface ParentRef {
  name: string;
  namespace: string;
}

/** The set recorded on a parent: member group-kinds and namespaces (the parent's own included). */
export interface SetRecord {
  groupKinds: string[];
  namespaces: string[];
}

/** The parent of sync `sync` in `namespace` (default {@link defaultAgentNamespace}): ConfigMap `slipway-<sync>` (`slipway-<ns>.<name>` for a key `ns/name`, agent/flux/sync-key.ts). */
export function parentRef(sync: string, namespace = defaultAgentNamespace): ParentRef {
  return { name: `${parentNamePrefix}${sync.replace("/", ".")}`, namespace };
}

/** The id of the set whose parent is the ConfigMap `ref`. */
export function parentId(ref: ParentRef): string {
  return applySetId({ name: ref.name, namespace: ref.namespace, kind: "ConfigMap", group: "" });
}

const splitList = (v: string | undefined): string[] => (v ? v.split(",").map((s) => s.trim()).filter((s) => s !== "") : []);

/**
 * Checks that a live parent belongs to this set and to Slipway, and returns what it records.
 * A parent without any ApplySet label or annotation is adopted (an empty record). Throws, naming
 * the parent, when the id does not verify or another tool owns it.
 */
export function readParent(live: KubeObject, ref: ParentRef): SetRecord {
  const subject = `ConfigMap/${ref.namespace}/${ref.name}`;
  const id = live.metadata.labels?.[applySetIdLabel];
  const tool = live.metadata.annotations?.[applySetToolingAnnotation];
  if (id !== undefined && id !== parentId(ref)) {
    throw new SlipwayError(subject, `ApplySet id ${id} does not match this parent (expected ${parentId(ref)}); refusing to use it`);
  }
  if (tool !== undefined && !tool.startsWith(toolingPrefix)) {
    throw new SlipwayError(subject, `ApplySet is managed by ${tool}, not slipway; refusing to use it`);
  }
  const groupKinds = splitList(live.metadata.annotations?.[applySetGroupKindsAnnotation]);
  const namespaces = splitList(live.metadata.annotations?.[applySetNamespacesAnnotation]);
  if (groupKinds.length > 0 && !namespaces.includes(ref.namespace)) namespaces.push(ref.namespace);
  return { groupKinds: [...new Set(groupKinds)].sort(), namespaces: [...new Set(namespaces)].sort() };
}

/** The record of a build: its group-kinds, and its namespaces plus the parent's (when it has any object). */
export function recordOf(objects: readonly KubeObject[], parentNamespace: string): SetRecord {
  const groupKinds = [...new Set(objects.map(groupKind))].sort();
  const namespaces = new Set(objects.map((o) => o.metadata.namespace).filter((n): n is string => !!n));
  if (groupKinds.length > 0) namespaces.add(parentNamespace);
  return { groupKinds, namespaces: [...namespaces].sort() };
}

/** The union of two records (what the parent says while an apply is under way). */
export function unionRecords(a: SetRecord, b: SetRecord): SetRecord {
  return { groupKinds: [...new Set([...a.groupKinds, ...b.groupKinds])].sort(), namespaces: [...new Set([...a.namespaces, ...b.namespaces])].sort() };
}

/** The apply body of the parent: only the labels and annotations the set needs (its `data` belongs to others). */
export function parentBody(ref: ParentRef, record: SetRecord): KubeObject {
  const others = record.namespaces.filter((n) => n !== ref.namespace).sort();
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: {
      name: ref.name,
      namespace: ref.namespace,
      labels: { [applySetIdLabel]: parentId(ref) },
      annotations: {
        [applySetToolingAnnotation]: tooling,
        [applySetGroupKindsAnnotation]: [...record.groupKinds].sort().join(","),
        [applySetNamespacesAnnotation]: others.join(","),
      },
    },
  };
}

/** Whether `a` and `b` are written as the same parent: group-kinds and namespaces, order and the parent's own namespace aside. Pure. */
export function sameRecord(ref: ParentRef, a: SetRecord, b: SetRecord): boolean {
  return JSON.stringify(parentBody(ref, a).metadata) === JSON.stringify(parentBody(ref, b).metadata);
}

/** Returns a copy of `obj` labelled as a member of set `id`. */
export function withPartOf(obj: KubeObject, id: string): KubeObject {
  return { ...obj, metadata: { ...obj.metadata, labels: { ...obj.metadata.labels, [applySetPartOfLabel]: id } } };
}

/**
 * Checking a build before anything is applied: every document is an object with apiVersion,
 * kind and metadata.name; every kind is known to the API server (or defined by a CRD in the same
 * build); namespaced objects get a namespace, cluster-scoped objects lose a stray one; no object
 * appears twice.
 */
import { UnknownKindError } from "../kube/unknown-kind-error.ts";
import { errorMessage } from "../../core/errors.ts";
import type { KubeClient } from "../kube/kube-client.ts";
import { isKubeObject, objectId, inventoryKey, type KubeObject } from "../kube/kube-object.ts";
import type { SyncError } from "./sync-outcome.ts";

/** Options for {@link validateObjects}. */
export interface ValidateOptions {
  client: KubeClient;
  objects: readonly unknown[];
  /** Namespace for namespaced objects without one. Default `default`. */
  targetNamespace?: string;
  signal?: AbortSignal;
}

interface CrdKind {
  namespaced: boolean;
}

/** Kinds defined by CRDs in the build, keyed `group/version:Kind`. */
export function kindsDefinedByCrds(objects: readonly KubeObject[]): Map<string, CrdKind> {
  const out = new Map<string, CrdKind>();
  for (const o of objects) {
    if (o.kind !== "CustomResourceDefinition" || !o.apiVersion.startsWith("apiextensions.k8s.io/")) continue;
    const spec = (o.spec ?? {}) as { group?: string; scope?: string; names?: { kind?: string }; versions?: { name?: string }[] };
    if (!spec.group || !spec.names?.kind) continue;
    for (const v of spec.versions ?? []) if (v.name) out.set(`${spec.group}/${v.name}:${spec.names.kind}`, { namespaced: spec.scope !== "Cluster" });
  }
  return out;
}

/** Returns the objects ready to apply (copies, namespaces settled) or the errors that forbid applying any of them. */
export async function validateObjects(options: ValidateOptions): Promise<{ objects: KubeObject[]; errors: SyncError[] }> {
  const errors: SyncError[] = [];
  const objects: KubeObject[] = [];
  for (const [i, doc] of options.objects.entries()) {
    if (!isKubeObject(doc)) {
      const d = (doc ?? {}) as { kind?: unknown; metadata?: { name?: unknown } };
      const id = `document ${i + 1}${typeof d.kind === "string" ? ` (${d.kind}${typeof d.metadata?.name === "string" ? `/${d.metadata.name}` : ""})` : ""}`;
      errors.push({ phase: "validate", id, message: `${id}: every object needs apiVersion, kind and metadata.name` });
      continue;
    }
    objects.push({ ...doc, metadata: { ...doc.metadata } });
  }
  const crdKinds = kindsDefinedByCrds(objects);
  const scope = new Map<string, boolean | Error>();
  for (const o of objects) {
    const key = `${o.apiVersion}:${o.kind}`;
    if (scope.has(key)) continue;
    try {
      scope.set(key, (await options.client.resource(o.apiVersion, o.kind, options.signal)).namespaced);
    } catch (err) {
      const crd = crdKinds.get(key);
      if (err instanceof UnknownKindError && crd) scope.set(key, crd.namespaced);
      else scope.set(key, err instanceof Error ? err : new Error(errorMessage(err)));
    }
  }
  const seen = new Set<string>();
  for (const o of objects) {
    const s = scope.get(`${o.apiVersion}:${o.kind}`);
    if (s instanceof Error) {
      const id = objectId(o);
      const why = s instanceof UnknownKindError ? `unknown kind ${o.kind} (apiVersion ${o.apiVersion}): no such resource on the API server and no CRD for it in this build` : errorMessage(s);
      errors.push({ phase: "validate", id, message: `${id}: ${why}` });
      continue;
    }
    if (s) o.metadata.namespace = o.metadata.namespace || options.targetNamespace || "default";
    else delete o.metadata.namespace;
    const key = inventoryKey(o);
    if (seen.has(key)) errors.push({ phase: "validate", id: objectId(o), message: `${objectId(o)}: appears more than once in the build` });
    seen.add(key);
  }
  return { objects, errors };
}

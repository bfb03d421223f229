/**
 * Where in the repository each GitRepository and Kustomization of a build was written: kustomize
 * build output has lost its files, so the exported tree's YAML files that hold Flux objects are
 * read again and each object is matched by kind, name and (when the file gives one) namespace.
 * A key path inside an object (`spec.interval`) is turned into the line of that key, so that an
 * error reads `clusters/eks/monitoring.yaml:21: Kustomization/flux-system/monitoring-stack:
 * spec.interval: …`.
 */
import { readFile } from "node:fs/promises";
import { LineCounter, parseAllDocuments, isMap, isNode, isScalar, isSeq, type Document } from "yaml";
import { walkTree } from "../../core/walk-tree.ts";
import type { KubeObject } from "../kube/kube-object.ts";
import { objectId } from "../kube/kube-object.ts";
import { isFluxSyncObject, isHelmRelease, isHelmRepository } from "./flux-objects.ts";

/** Where one object was written. */
export interface ObjectOrigin {
  /** Repository-relative file. */
  file: string;
  /** The line of the document's start. */
  line: number;
  /** The line of a key path inside the document (the nearest ancestor that exists). */
  lineOf(path: readonly (string | number)[]): number;
}

interface Found {
  kind: string;
  name: string;
  namespace?: string;
  origin: ObjectOrigin;
}

/** Reads every YAML file of `root` that mentions a Flux sync kind, and returns what it defines. */
async function scan(root: string, signal?: AbortSignal): Promise<Found[]> {
  const entries = await walkTree(root, { skipDirs: [".git"], signal });
  const out: Found[] = [];
  for (const e of entries) {
    if (e.kind !== "file" || !/\.ya?ml$/.test(e.name)) continue;
    const text = await readFile(e.absolute, "utf8");
    if (!text.includes("toolkit.fluxcd.io")) continue;
    const lines = new LineCounter();
    for (const doc of parseAllDocuments(text, { lineCounter: lines })) {
      if (!("errors" in doc) || doc.errors.length > 0) continue;
      const d = doc as Document;
      const value: unknown = d.toJS();
      if (typeof value !== "object" || value === null) continue;
      const o = value as Partial<KubeObject>;
      if (typeof o.apiVersion !== "string" || typeof o.kind !== "string" || typeof o.metadata?.name !== "string") continue;
      const typed = { apiVersion: o.apiVersion, kind: o.kind };
      if (!isFluxSyncObject(typed) && !isHelmRelease(typed) && !isHelmRepository(typed)) continue;
      const start = isNode(d.contents) && d.contents.range ? lines.linePos(d.contents.range[0]).line : 1;
      // The line of the key (`decryption:`), not of its value, which may start on the next line.
      const lineOf = (path: readonly (string | number)[]): number => {
        for (let n = path.length; n > 0; n--) {
          const parent = n === 1 ? d.contents : d.getIn(path.slice(0, n - 1), true);
          const last = path[n - 1];
          if (isMap(parent)) {
            const pair = parent.items.find((p) => isScalar(p.key) && p.key.value === last);
            if (pair && isNode(pair.key) && pair.key.range) return lines.linePos(pair.key.range[0]).line;
          } else if (isSeq(parent) && typeof last === "number") {
            const item = parent.items[last];
            if (isNode(item) && item.range) return lines.linePos(item.range[0]).line;
          }
        }
        return start;
      };
      out.push({ kind: o.kind, name: o.metadata.name, ...(typeof o.metadata.namespace === "string" ? { namespace: o.metadata.namespace } : {}), origin: { file: e.path, line: start, lineOf } });
    }
  }
  return out;
}

/** The origin of each object of `objects` (by objectId), when a file of `root` defines it. */
export async function locateFluxObjects(root: string, objects: readonly KubeObject[], signal?: AbortSignal): Promise<Map<string, ObjectOrigin>> {
  const out = new Map<string, ObjectOrigin>();
  if (objects.length === 0) return out;
  const found = await scan(root, signal);
  for (const o of objects) {
    const candidates = found.filter((f) => f.kind === o.kind && f.name === o.metadata.name);
    const best = candidates.find((f) => f.namespace === o.metadata.namespace) ?? candidates.find((f) => f.namespace === undefined) ?? candidates[0];
    if (best) out.set(objectId(o), best.origin);
  }
  return out;
}

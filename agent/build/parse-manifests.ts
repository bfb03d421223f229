/**
 * Turning a YAML stream (kustomize's output) into Kubernetes objects, refusing any document that
 * is not one (no apiVersion, kind or metadata.name), naming the document. Pure.
 */
import { parseDocument, stringify } from "yaml";
import { SlipwayError } from "../../core/errors.ts";
import { isKubeObject, type KubeObject } from "../kube/kube-object.ts";

/**
 * Splits a stream at its `---` separator lines. Document by document parsing keeps only one
 * document's syntax tree alive at a time: a third of the memory of parsing 1,000 objects at once.
 * Pure.
 */
export function splitDocuments(text: string): string[] {
  return text.split(/^---[ \t]*(?:#.*)?\r?$\n?/m);
}

/** Parses every document of `text`; `source` names the stream in errors (e.g. `kustomize build clusters/eks`). */
export function parseManifests(text: string, source: string): KubeObject[] {
  const out: KubeObject[] = [];
  const chunks = splitDocuments(text).filter((c) => c.trim() !== "");
  chunks.forEach((chunk, i) => {
    const doc = parseDocument(chunk);
    const err = doc.errors[0];
    if (err) throw new SlipwayError(`${source}: document ${i + 1}`, `invalid YAML: ${err.message.split("\n")[0] ?? err.message}`);
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 100 });
    } catch (e) {
      throw new SlipwayError(`${source}: document ${i + 1}`, `refused: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
    if (value === null || value === undefined) return;
    if (!isKubeObject(value)) {
      const v = (typeof value === "object" && !Array.isArray(value) ? value : {}) as Record<string, unknown>;
      const missing = ["apiVersion", "kind", "metadata.name"].filter((f) =>
        f === "metadata.name" ? typeof (v.metadata as Record<string, unknown> | undefined)?.name !== "string" : typeof v[f] !== "string",
      );
      const what = typeof v.kind === "string" ? ` (${v.kind})` : "";
      throw new SlipwayError(`${source}: document ${i + 1}${what}`, `is not a Kubernetes object: ${missing.join(", ")} missing`);
    }
    out.push(value);
  });
  return out;
}

/** Renders objects back into a YAML stream (`---` separated), as `slipway build` prints them. Pure. */
export function renderManifests(objects: readonly KubeObject[]): string {
  return objects.map((o) => stringify(o, { lineWidth: 0 }).trimEnd()).join("\n---\n") + (objects.length ? "\n" : "");
}

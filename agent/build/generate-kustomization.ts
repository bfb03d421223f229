/**
 * A kustomization for a plain directory of manifests (one with no kustomization file), generated
 * the way Flux does: walk the directory recursively in lexical order; take `.yaml`/`.yml` files;
 * a subdirectory with its own kustomization is one resource and is not descended into; every
 * file taken must decode as Kubernetes objects, or the build fails naming the file.
 */
import { readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { parseAllDocuments, LineCounter } from "yaml";
import { SlipwayError } from "../../core/errors.ts";
import { walkTree } from "../../core/walk-tree.ts";
import { checkYamlEncoding } from "../../core/yaml-guard.ts";
import { kustomizationFileNames } from "./kustomization-files.ts";

/** Whether `dir` holds a kustomization file. */
export async function hasKustomization(dir: string): Promise<boolean> {
  const names = new Set(await readdir(dir));
  return kustomizationFileNames.some((n) => names.has(n));
}

/**
 * Checks that YAML text holds only Kubernetes objects (every non-empty document a mapping with
 * apiVersion and kind). Throws a SlipwayError naming `file:line`. Pure.
 */
export function checkManifestFile(file: string, text: string): void {
  checkYamlEncoding(text, file);
  const lines = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: lines });
  if (!Array.isArray(docs)) return; // an empty stream
  for (const doc of docs) {
    const err = doc.errors[0];
    if (err) {
      const line = err.linePos?.[0]?.line ?? (doc.range ? lines.linePos(doc.range[0]).line : 0);
      throw new SlipwayError(`${file}:${line}`, `invalid YAML: ${err.message.split("\n")[0] ?? err.message}`);
    }
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) continue;
    const line = doc.contents?.range ? lines.linePos(doc.contents.range[0]).line : 0;
    if (typeof value !== "object" || Array.isArray(value)) throw new SlipwayError(`${file}:${line}`, "is not a Kubernetes object (a mapping with apiVersion and kind)");
    const v = value as Record<string, unknown>;
    if (typeof v.apiVersion !== "string" || typeof v.kind !== "string") {
      throw new SlipwayError(`${file}:${line}`, `is not a Kubernetes object: ${typeof v.apiVersion !== "string" ? "apiVersion" : "kind"} is missing`);
    }
  }
}

/** A file a generated kustomization takes, to be checked with {@link checkManifestFiles}. */
export interface ManifestFile {
  /** The path shown in errors (repository-relative). */
  shown: string;
  absolute: string;
}

/** What {@link generatedResources} found. */
export interface GeneratedResources {
  /** The resources, relative to the directory, in lexical order. */
  resources: string[];
  /** The YAML files among them, in the same order: each must pass {@link checkManifestFile}. */
  files: ManifestFile[];
}

/**
 * Lists the resources a generated kustomization at `dir` would hold, relative to `dir`, and the
 * files to check (left to the caller, so that the check can run while kustomize builds).
 * `showRoot` is the path shown in errors for `dir` (repository-relative).
 */
export async function generatedResources(dir: string, showRoot: string, signal?: AbortSignal): Promise<GeneratedResources> {
  // A subdirectory with its own kustomization is a resource and is not descended into.
  const kustomized = new Set<string>();
  const entries = await walkTree(dir, {
    followSymlinks: true,
    include: (e) => e.kind === "dir" || (e.kind === "file" && /\.ya?ml$/.test(e.name)),
    descend: async (e) => {
      if (!(await hasKustomization(e.absolute))) return true;
      kustomized.add(e.path);
      return false;
    },
    signal,
  });
  const resources: string[] = [];
  const files: ManifestFile[] = [];
  for (const e of entries) {
    if (e.kind === "file") {
      files.push({ shown: path.posix.join(showRoot, e.path), absolute: e.absolute });
      resources.push(e.path);
    } else if (kustomized.has(e.path)) {
      resources.push(e.path);
    }
  }
  return { resources, files };
}

/**
 * Checks each file with {@link checkManifestFile}, in order, throwing the first file's error
 * (so the error is the same whichever file is read first).
 */
export async function checkManifestFiles(files: readonly ManifestFile[], signal?: AbortSignal): Promise<void> {
  for (const f of files) {
    signal?.throwIfAborted();
    checkManifestFile(f.shown, await readFile(f.absolute, "utf8"));
  }
}

/** Renders a kustomization listing `resources` (and a namespace when given). Pure. */
export function renderKustomization(resources: readonly string[], namespace?: string): string {
  const lines = ["apiVersion: kustomize.config.k8s.io/v1beta1", "kind: Kustomization"];
  if (namespace) lines.push(`namespace: ${JSON.stringify(namespace)}`);
  lines.push(resources.length > 0 ? "resources:" : "resources: []");
  for (const r of resources) lines.push(`  - ${JSON.stringify(r)}`);
  return lines.join("\n") + "\n";
}

/**
 * When `dir` has no kustomization file, writes a generated `kustomization.yaml` there (in the
 * build's own copy, never in the clone) and returns its resources and the files to check
 * ({@link checkManifestFiles}, which the caller must await before using the build); otherwise
 * returns undefined.
 */
export async function ensureKustomization(dir: string, showRoot: string, signal?: AbortSignal): Promise<GeneratedResources | undefined> {
  if (await hasKustomization(dir)) return undefined;
  const generated = await generatedResources(dir, showRoot, signal);
  await writeFile(path.join(dir, "kustomization.yaml"), renderKustomization(generated.resources));
  return generated;
}

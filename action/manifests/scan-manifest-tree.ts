/**
 * Finding the Flux image automation objects in a checked-out manifest tree: every ImageRepository,
 * ImagePolicy and ImageUpdateAutomation in `*.yaml`/`*.yml` files under a directory, and every
 * `$imagepolicy` marker, in one concurrent walk. Only files that mention
 * `image.toolkit.fluxcd.io` are parsed; a file that does not parse is a warning, a malformed
 * object an error naming `file:line`.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { LineCounter, parseAllDocuments } from "yaml";
import { throwIfAborted } from "../../core/errors.ts";
import { parseImagePolicy, type ImagePolicy } from "../../core/policy/image-policy.ts";
import { parseImageRepository, type ImageRepositoryObject } from "./image-repository.ts";
import { parseImageUpdateAutomation, type ImageUpdateAutomationObject } from "./image-update-automation.ts";
import { scanMarkers, type MarkerUse } from "./marker-scan.ts";
import { isRecord } from "./yaml-fields.ts";
import { fluxNamespace, imageAutomationGroup } from "../../core/well-known.ts";
import { walkTree } from "../../core/walk-tree.ts";

/** An ImagePolicy and where it was read. */
export interface PolicyObject {
  policy: ImagePolicy;
  /** `file:line`. */
  source: string;
}

/** The Flux image objects found in a tree. */
export interface FluxObjects {
  repositories: ImageRepositoryObject[];
  policies: PolicyObject[];
  automations: ImageUpdateAutomationObject[];
  /** Files that could not be parsed, as `file: reason`. */
  warnings: string[];
}

/** Options for {@link scanManifestTree}. */
export interface ReadFluxObjectsOptions {
  /** The checkout root; file names in sources are relative to it. */
  root: string;
  /** Directory under root to search. Default `.`. */
  dir?: string;
  /** Namespace of objects without one. Default `flux-system`. */
  defaultNamespace?: string;
  signal?: AbortSignal;
}

const GROUP = `${imageAutomationGroup}/`;

/** Parses the Flux image objects in one file's text (pure); `file` names sources. */
export function parseFluxObjects(text: string, file: string, defaultNamespace: string): FluxObjects {
  const out: FluxObjects = { repositories: [], policies: [], automations: [], warnings: [] };
  if (!text.includes(GROUP)) return out;
  const lines = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: lines, uniqueKeys: false });
  const list = Array.isArray(docs) ? docs : [docs];
  for (const doc of list) {
    if (doc.errors.length > 0) {
      out.warnings.push(`${file}: not valid YAML (${doc.errors[0]?.message.split("\n")[0] ?? "parse error"}); skipped`);
      continue;
    }
    const value: unknown = doc.toJS();
    if (!isRecord(value) || typeof value["apiVersion"] !== "string" || !value["apiVersion"].startsWith(GROUP)) continue;
    const start = doc.contents?.range?.[0] ?? 0;
    const source = `${file}:${lines.linePos(start).line}`;
    switch (value["kind"]) {
      case "ImageRepository":
        out.repositories.push(parseImageRepository(value, source, defaultNamespace));
        break;
      case "ImagePolicy":
        out.policies.push({ policy: parseImagePolicy(value, source, defaultNamespace), source });
        break;
      case "ImageUpdateAutomation":
        out.automations.push(parseImageUpdateAutomation(value, source, defaultNamespace));
        break;
    }
  }
  return out;
}

/** What {@link scanManifestTree} found: the Flux objects and the markers (with `file:line`). */
export interface ManifestScan {
  objects: FluxObjects;
  markers: MarkerUse[];
}

/** Files read at once. */
const CONCURRENCY = 32;

/**
 * Walks `root/dir` once (`.git` skipped), reading YAML files concurrently, and collects the Flux
 * image objects and every marker. Sources are `file:line` relative to root, in lexical order.
 */
export async function scanManifestTree(options: ReadFluxObjectsOptions): Promise<ManifestScan> {
  const { root, signal } = options;
  const ns = options.defaultNamespace ?? fluxNamespace;
  const files = (
    await walkTree(path.resolve(root, options.dir ?? "."), {
      skipDirs: [".git"],
      ignoreUnreadable: true,
      include: (e) => e.kind === "file" && (e.name.endsWith(".yaml") || e.name.endsWith(".yml") || e.name === "Kustomization"),
      signal,
    })
  ).map((e) => e.absolute);
  const found: (ManifestScan | undefined)[] = new Array(files.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < files.length) {
      const i = next++;
      throwIfAborted(signal);
      const full = files[i] ?? "";
      const text = await readFile(full, "utf8");
      const rel = path.relative(root, full).split(path.sep).join("/");
      const objects = full.endsWith("Kustomization") ? { repositories: [], policies: [], automations: [], warnings: [] } : parseFluxObjects(text, rel, ns);
      found[i] = { objects, markers: scanMarkers(text, rel) };
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, files.length) }, worker));
  const out: ManifestScan = { objects: { repositories: [], policies: [], automations: [], warnings: [] }, markers: [] };
  for (const f of found) {
    if (!f) continue;
    out.objects.repositories.push(...f.objects.repositories);
    out.objects.policies.push(...f.objects.policies);
    out.objects.automations.push(...f.objects.automations);
    out.objects.warnings.push(...f.objects.warnings);
    out.markers.push(...f.markers);
  }
  return out;
}

/**
 * Building one sync: from a source tree already exported (and stripped of ignored files) to the
 * list of objects to apply. Nothing is applied when any step fails, and every failure names the
 * path, file or document it is about.
 */
import { mkdtemp, writeFile } from "node:fs/promises";
import path from "node:path";
import { SlipwayError } from "../../core/errors.ts";
import { objectId, type KubeObject } from "../kube/kube-object.ts";
import { renderKustomization, ensureKustomization, checkManifestFiles } from "./generate-kustomization.ts";
import { checkNoRemoteBases } from "./remote-bases.ts";
import { checkSymlinks, resolveSyncPath } from "./path-safety.ts";
import { parseManifests } from "./parse-manifests.ts";
import type { Kustomize } from "./kustomize-runner.ts";
import { imageAutomationGroup, syncNameLabel, syncNamespaceLabel } from "../../core/well-known.ts";
import { stringify } from "yaml";
import { fluxInstallReason } from "../flux/flux-install.ts";
import type { KustomizeOverlay } from "../flux/flux-specs.ts";
import { isFluxSyncObject, isNotificationObject } from "../flux/flux-objects.ts";

/** What to build. */
export interface BuildSyncInput {
  /**
   * Root of the exported source tree; it is written to (generated kustomizations), so it must be
   * a private copy, in a private parent directory (a namespace wrapper is written beside it).
   */
  root: string;
  /** The sync's path, relative to the root. */
  path: string;
  kustomize: Kustomize;
  /** Namespace set on every namespaced object. Default: none. */
  targetNamespace?: string;
  /** A Kustomization's namePrefix, nameSuffix, commonMetadata, patches, images and components, laid over the path as Flux does. Default none. */
  overlay?: KustomizeOverlay;
  /** Adds the `slipway.dev/name` and `slipway.dev/namespace` labels. Default: no labels. */
  owner?: { sync: string; namespace: string };
  /** Allow remote bases in kustomizations. Default false. */
  allowRemoteBases?: boolean;
  signal?: AbortSignal;
}

/** The built objects and how they were built. */
export interface BuildSyncResult {
  objects: KubeObject[];
  /** The generated kustomization's resources, when the directory had none. */
  generated?: string[];
  /**
   * Objects left out, each with the reason: Flux's image automation kinds (the CI step reads them
   * from git) and Flux's own install (never applied, never pruned).
   */
  skipped: SkippedObject[];
  /**
   * Flux's GitRepository and Kustomization objects of the build: the agent runs them as sources
   * and syncs instead of sending them to the API server (agent/flux).
   */
  fluxObjects: KubeObject[];
  /** Flux Provider and Alert objects (agent/notify reads them; never applied). */
  notificationObjects: KubeObject[];
  /**
   * The build read nothing but the tree and the input's settings, so the same tree and settings
   * build the same result (agent/build/build-cache.ts keeps it); false when a kustomization has
   * `helmCharts` or `generators`, which may fetch at build time.
   */
  fromTreeAlone: boolean;
}

/** An object of the build that is not applied, and why. */
export interface SkippedObject {
  /** `Kind/ns/name`. */
  id: string;
  reason: string;
}

/** The overlay's kustomization fields as YAML (components relative to the path, as in Flux). Pure. */
export function renderOverlay(overlay: KustomizeOverlay, pathFromWrapper: string): string {
  const fields: Record<string, unknown> = {};
  if (overlay.namePrefix) fields.namePrefix = overlay.namePrefix;
  if (overlay.nameSuffix) fields.nameSuffix = overlay.nameSuffix;
  if (overlay.commonMetadata?.labels) fields.labels = [{ pairs: overlay.commonMetadata.labels, includeSelectors: false }];
  if (overlay.commonMetadata?.annotations) fields.commonAnnotations = overlay.commonMetadata.annotations;
  if (overlay.patches) fields.patches = overlay.patches;
  if (overlay.images) fields.images = overlay.images;
  if (overlay.components) fields.components = overlay.components.map((c) => path.posix.join(pathFromWrapper.split(path.sep).join("/"), c));
  return Object.keys(fields).length > 0 ? stringify(fields) : "";
}

/** Builds the sync's directory into objects. */
export async function buildSync(input: BuildSyncInput): Promise<BuildSyncResult> {
  const { root, signal } = input;
  const dir = await resolveSyncPath(root, input.path);
  const shown = path.relative(root, dir) || ".";
  // Only what this build reads is checked: the sync's directory and every local directory its
  // kustomizations reference.
  await checkSymlinks(root, dir, signal);
  const generated = await ensureKustomization(dir, shown, signal);
  // The path, and a Kustomization's components (read by the wrapper, not by the path's
  // kustomizations), are checked alike: inside the repository, no remote entry, no symlink out.
  const component = async (c: string): Promise<string> => {
    try {
      return await resolveSyncPath(root, path.join(path.relative(root, dir), c));
    } catch (err) {
      throw new SlipwayError(`spec.components entry "${c}"`, err instanceof Error ? err.message : String(err), { cause: err });
    }
  };
  let readsBeyondTree = false;
  for (const c of [undefined, ...(input.overlay?.components ?? [])]) {
    const reached = await checkNoRemoteBases(root, c === undefined ? dir : await component(c), signal, input.allowRemoteBases ?? false);
    readsBeyondTree ||= reached.readsBeyondTree;
    for (const d of reached.dirs) if (d !== dir) await checkSymlinks(root, d, signal);
  }
  let buildDir = dir;
  if (input.targetNamespace || (input.overlay && Object.keys(input.overlay).length > 0)) {
    // A wrapper kustomization sets the namespace (and a Kustomization's overlay) without editing
    // the user's own; it sits beside the root (never inside it, where building the root itself
    // would be a cycle).
    buildDir = await mkdtemp(path.join(path.dirname(root), "namespace-"));
    const rel = path.relative(buildDir, dir);
    let text = renderKustomization([rel], input.targetNamespace);
    if (input.overlay) text += renderOverlay(input.overlay, rel);
    await writeFile(path.join(buildDir, "kustomization.yaml"), text);
  }
  // The generated kustomization's files are checked while kustomize runs (a child process, so
  // the two overlap); a file's error wins over kustomize's, as when the check ran first, and
  // stops kustomize.
  const stop = new AbortController();
  const buildSignal = signal ? AbortSignal.any([signal, stop.signal]) : stop.signal;
  const building = (async () => {
    try {
      // Paths in kustomize's messages are shown relative to the repository, not the temporary copy.
      return await input.kustomize.build(buildDir, buildSignal, root);
    } catch (err) {
      throw new SlipwayError(`path ${input.path}`, err instanceof Error ? err.message : String(err), { cause: err });
    }
  })();
  building.catch(() => undefined); // awaited below; handled here while the check runs
  if (generated) {
    try {
      await checkManifestFiles(generated.files, signal);
    } catch (err) {
      stop.abort(err);
      await building.catch(() => undefined);
      throw err;
    }
  }
  const text = await building;
  const built = parseManifests(text, `kustomize build ${shown}`);
  const skipped: SkippedObject[] = [];
  const fluxObjects: KubeObject[] = [];
  const notificationObjects: KubeObject[] = [];
  const objects = built.filter((o) => {
    if (isFluxSyncObject(o) || isNotificationObject(o)) {
      (isNotificationObject(o) ? notificationObjects : fluxObjects).push(o);
      return false;
    }
    const reason = o.apiVersion.startsWith(`${imageAutomationGroup}/`) ? "read from git by the CI step (Flux image automation)" : fluxInstallReason(o);
    if (reason === undefined) return true;
    skipped.push({ id: objectId(o), reason });
    return false;
  });
  if (input.owner) {
    for (const o of objects) {
      o.metadata.labels = { ...o.metadata.labels, [syncNameLabel]: input.owner.sync, [syncNamespaceLabel]: input.owner.namespace };
    }
  }
  return { objects, skipped, fluxObjects, notificationObjects, fromTreeAlone: !readsBeyondTree, ...(generated ? { generated: generated.resources } : {}) };
}

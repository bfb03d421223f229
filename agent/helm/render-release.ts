/**
 * Rendering one release with the real Helm: `helm template RELEASE CHART.tgz --namespace NS
 * --values - --skip-tests` (values on stdin, never on disk), with Helm's state in a private
 * directory. Then, in this order:
 * - CRDs (the chart's `crds/`): `install.crds` on a first install, `upgrade.crds` afterwards:
 *   Skip leaves them out, Create keeps only those the cluster does not have, CreateReplace keeps
 *   them all (applied like every object);
 * - hooks, by `helm.sh/hook` (see {@link hookPhase}): pre-install / pre-upgrade go to `pre` (run
 *   and waited for before the release's objects are applied), post-install / post-upgrade to
 *   `post` (applied once the release is applied and healthy), test, delete and rollback hooks
 *   are dropped: Slipway never runs them;
 * - `postRenderers` kustomize patches, through kustomize, over the release's objects;
 * - every object gets the release's namespace when namespaced and without one, and the labels
 *   `helm.toolkit.fluxcd.io/name` and `helm.toolkit.fluxcd.io/namespace` (as Flux adds them).
 * Every failure names the HelmRelease.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { stringify } from "yaml";
import { run } from "../../core/exec.ts";
import { SlipwayError, errorMessage } from "../../core/errors.ts";
import { parseManifests, renderManifests } from "../build/parse-manifests.ts";
import type { Kustomize } from "../build/kustomize-runner.ts";
import type { KubeClient } from "../kube/kube-client.ts";
import type { KubeObject } from "../kube/kube-object.ts";
import type { HelmReleaseSpec } from "./helm-specs.ts";

/** Where a rendered object goes. */
export type HookPhase = "release" | "pre" | "post" | "never";

/** Labels Flux puts on a release's objects. */
export const helmReleaseLabels = { name: "helm.toolkit.fluxcd.io/name", namespace: "helm.toolkit.fluxcd.io/namespace" } as const;

/**
 * The phase of an object by its `helm.sh/hook` annotation, for an install or an upgrade. A hook
 * listing several events runs in the first phase of the current event it names. Pure.
 */
export function hookPhase(obj: KubeObject, upgrade: boolean): HookPhase {
  const hook = obj.metadata.annotations?.["helm.sh/hook"];
  if (hook === undefined) return "release";
  const events = hook.split(",").map((e) => e.trim());
  if (events.includes(upgrade ? "pre-upgrade" : "pre-install")) return "pre";
  if (events.includes(upgrade ? "post-upgrade" : "post-install")) return "post";
  return "never";
}

/** A hook's weight (`helm.sh/hook-weight`, default 0). Pure. */
export function hookWeight(obj: KubeObject): number {
  const w = Number(obj.metadata.annotations?.["helm.sh/hook-weight"] ?? 0);
  return Number.isFinite(w) ? w : 0;
}

/** The rendered release. */
export interface RenderedRelease {
  objects: KubeObject[];
  pre: KubeObject[];
  post: KubeObject[];
  /** Hooks left out, as `Kind/name (hook)`. */
  dropped: string[];
}

/** Options for {@link renderRelease}. */
export interface RenderOptions {
  helm: string;
  chartFile: string;
  release: HelmReleaseSpec;
  values: Record<string, unknown>;
  /** A later run of a release applied before (upgrade hooks and `upgrade.crds`). */
  upgrade: boolean;
  client: KubeClient;
  kustomize: Kustomize;
  signal?: AbortSignal;
}

const isCrd = (o: KubeObject): boolean => o.kind === "CustomResourceDefinition" && o.apiVersion.startsWith("apiextensions.k8s.io/");

/** Renders a release (see the file comment). */
export async function renderRelease(options: RenderOptions): Promise<RenderedRelease> {
  const { release } = options;
  const subject = `HelmRelease/${release.key}`;
  const policy = options.upgrade ? release.upgradeCrds : release.installCrds;
  const home = await mkdtemp(path.join(os.tmpdir(), "slipway-helm-"));
  let text: string;
  try {
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: home, HELM_CACHE_HOME: path.join(home, "cache"), HELM_CONFIG_HOME: path.join(home, "config"), HELM_DATA_HOME: path.join(home, "data") };
    const args = ["template", release.releaseName, options.chartFile, "--namespace", release.targetNamespace, "--values", "-", "--skip-tests", policy === "Skip" ? "--skip-crds" : "--include-crds"];
    text = (await run(options.helm, args, { env, input: JSON.stringify(options.values), signal: options.signal, timeoutMs: 120_000, maxOutputBytes: 64 * 2 ** 20 })).stdout;
  } catch (err) {
    options.signal?.throwIfAborted();
    const msg = errorMessage(err).replace(/^.*?exited with \d+: /s, "").replace(/^Error: /, "");
    throw new SlipwayError(subject, `helm template failed: ${msg}`, { cause: err });
  } finally {
    await rm(home, { recursive: true, force: true });
  }
  let all: KubeObject[];
  try {
    all = parseManifests(text, `${subject}: helm template`);
  } catch (err) {
    throw new SlipwayError(subject, errorMessage(err), { cause: err });
  }
  const out: RenderedRelease = { objects: [], pre: [], post: [], dropped: [] };
  for (const o of all) {
    const phase = hookPhase(o, options.upgrade);
    if (phase === "never") out.dropped.push(`${o.kind}/${o.metadata.name} (${o.metadata.annotations?.["helm.sh/hook"] ?? ""})`);
    else if (phase === "pre") out.pre.push(o);
    else if (phase === "post") out.post.push(o);
    else out.objects.push(o);
  }
  if (policy === "Create") {
    const kept: KubeObject[] = [];
    for (const o of out.objects) {
      if (isCrd(o)) {
        const res = await options.client.request({ method: "GET", path: `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${encodeURIComponent(o.metadata.name)}`, allowNotFound: true, signal: options.signal });
        if (res.status !== 404) continue;
      }
      kept.push(o);
    }
    out.objects = kept;
  }
  if (release.postRenderPatches.length > 0) out.objects = await postRender(out.objects, release, options.kustomize, options.signal);
  for (const o of [...out.objects, ...out.pre, ...out.post]) {
    if (o.metadata.namespace === undefined && (await namespaced(options.client, o, options.signal))) o.metadata.namespace = release.targetNamespace;
    o.metadata.labels = { ...o.metadata.labels, [helmReleaseLabels.name]: release.name, [helmReleaseLabels.namespace]: release.namespace };
  }
  out.pre.sort((a, b) => hookWeight(a) - hookWeight(b));
  out.post.sort((a, b) => hookWeight(a) - hookWeight(b));
  return out;
}

async function namespaced(client: KubeClient, o: KubeObject, signal?: AbortSignal): Promise<boolean> {
  try {
    return (await client.resource(o.apiVersion, o.kind, signal)).namespaced;
  } catch {
    // A kind the server does not know yet (a CRD of the same chart): namespaced unless it says otherwise.
    return true;
  }
}

/** The release's objects through kustomize with the `postRenderers` patches. */
async function postRender(objects: KubeObject[], release: HelmReleaseSpec, kustomize: Kustomize, signal?: AbortSignal): Promise<KubeObject[]> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "slipway-postrender-"));
  try {
    await writeFile(path.join(dir, "release.yaml"), renderManifests(objects));
    await writeFile(path.join(dir, "kustomization.yaml"), stringify({ resources: ["release.yaml"], patches: release.postRenderPatches }));
    return parseManifests(await kustomize.build(dir, signal), `HelmRelease/${release.key}: postRenderers`);
  } catch (err) {
    throw new SlipwayError(`HelmRelease/${release.key}: spec.postRenderers`, errorMessage(err), { cause: err });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

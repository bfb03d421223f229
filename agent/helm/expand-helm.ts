/**
 * The Helm step of a HelmRelease's own sync (agent/helm/release-sync.ts), or of a sync whose
 * build holds releases when the agent runs without a registry of syncs: the HelmRepository and
 * HelmRelease objects are never applied (no Flux CRD is needed) and each release is replaced by
 * its rendered objects, which the sync then applies through the one apply engine. Per release:
 * its HelmRepository, credentials (`secretRef` username/password, or ECR's token for `provider:
 * aws`), the chart (agent/helm/chart-source.ts, cached by digest), its values
 * (agent/helm/helm-values.ts), `helm template` (agent/helm/render-release.ts). When the release
 * changed (chart digest, values or settings) its pre-install / pre-upgrade hooks run here,
 * before the apply; its post-* hooks run in {@link completeHelm}, once the sync applied and
 * (with `wait`) is healthy.
 *
 * A release that cannot be rendered (a chart or version that does not exist, a repository that
 * fails, values that do not parse) fails the build, naming the HelmRelease and its file:line:
 * nothing is applied or pruned, so what the release applied before stays. Its status says why
 * (agent/helm/release-status.ts).
 */
import { createHash } from "node:crypto";
import os from "node:os";
import path from "node:path";
import { SlipwayError, errorMessage } from "../../core/errors.ts";
import type { Logger } from "../../core/log.ts";
import { registerSecret } from "../../core/redact.ts";
import type { Kustomize } from "../build/kustomize-runner.ts";
import { isHelmRelease, isHelmRepository } from "../flux/flux-objects.ts";
import { locateFluxObjects, type ObjectOrigin } from "../flux/flux-origins.ts";
import { specIssueText } from "../flux/flux-specs.ts";
import type { KubeClient } from "../kube/kube-client.ts";
import { objectId, type KubeObject } from "../kube/kube-object.ts";
import { fetchChart, type ChartArchive, type RepositoryCredentials } from "./chart-source.ts";
import { ecrCredentials } from "./ecr-token.ts";
import { runHooks } from "./helm-hooks.ts";
import { readHelmRelease, readHelmRepository, type HelmReleaseSpec, type HelmRepositorySpec } from "./helm-specs.ts";
import { composeValues } from "./helm-values.ts";
import { readReleaseStatus, writeReleaseStatus, type HelmReleaseStatus } from "./release-status.ts";
import { renderRelease } from "./render-release.ts";

/** What the Helm step needs. */
export interface HelmContext {
  client: KubeClient;
  kustomize: Kustomize;
  agentNamespace: string;
  /** The sync whose build this is. */
  sync: string;
  /** The exported tree (for file:line of the objects), when `origins` are not given. */
  root?: string;
  /** Where each HelmRelease and HelmRepository was written (a release's own sync has them from its holder's build). */
  origins?: ReadonlyMap<string, ObjectOrigin>;
  /** Chart archives by digest. Default `$SLIPWAY_CACHE_DIR/charts`, else the OS temp dir's `slipway-charts`. */
  chartCacheDir?: string;
  /** The helm program. Default `$SLIPWAY_HELM`, else `helm` on PATH. */
  helm?: string;
  /** Time for each hook, ms. */
  timeoutMs: number;
  log: Logger;
  signal?: AbortSignal;
}

/** One rendered release, for {@link completeHelm}. */
export interface ExpandedRelease {
  spec: HelmReleaseSpec;
  chart: ChartArchive;
  releaseDigest: string;
  /** Chart, values or settings differ from the last applied rendering. */
  changed: boolean;
  previous?: HelmReleaseStatus;
  post: KubeObject[];
}

/** The build with its releases rendered. */
export interface HelmExpansion {
  objects: KubeObject[];
  releases: ExpandedRelease[];
}

/** The helm program configured for the agent: `$SLIPWAY_HELM`, else `helm` on PATH. */
export function helmProgram(env: NodeJS.ProcessEnv = process.env): string {
  return env.SLIPWAY_HELM || "helm";
}

/** Whether the build holds any HelmRepository or HelmRelease. Pure. */
export function hasHelmObjects(objects: readonly KubeObject[]): boolean {
  return objects.some((o) => isHelmRelease(o) || isHelmRepository(o));
}

async function repositoryCredentials(ctx: HelmContext, repo: HelmRepositorySpec): Promise<RepositoryCredentials | undefined> {
  if (repo.secretRef) {
    const { name, namespace } = repo.secretRef;
    const res = await ctx.client.request<{ data?: Record<string, string> }>({ method: "GET", path: `/api/v1/namespaces/${encodeURIComponent(namespace)}/secrets/${encodeURIComponent(name)}`, allowNotFound: true, ...(ctx.signal ? { signal: ctx.signal } : {}) });
    if (res.status === 404) throw new SlipwayError(`HelmRepository/${repo.key}: spec.secretRef: Secret/${namespace}/${name}`, "not found");
    const d = res.body.data ?? {};
    const username = d.username ? Buffer.from(d.username, "base64").toString("utf8") : undefined;
    const password = d.password ? Buffer.from(d.password, "base64").toString("utf8") : undefined;
    registerSecret(password);
    if (!username || !password) throw new SlipwayError(`HelmRepository/${repo.key}: spec.secretRef: Secret/${namespace}/${name}`, "needs username and password");
    return { username, password };
  }
  if (repo.provider === "aws") return ecrCredentials(repo.url.replace(/^oci:\/\//, "").split("/")[0] ?? "", ctx.signal ? { signal: ctx.signal } : {});
  return undefined;
}

/** Renders every release of the build (see the file comment). Throws on the first release that fails, after recording its status. */
export async function expandHelm(objects: readonly KubeObject[], ctx: HelmContext): Promise<HelmExpansion> {
  if (!hasHelmObjects(objects)) return { objects: [...objects], releases: [] };
  const helmObjects = objects.filter((o) => isHelmRelease(o) || isHelmRepository(o));
  const origins = ctx.origins ?? (ctx.root !== undefined ? await locateFluxObjects(ctx.root, helmObjects, ctx.signal) : new Map<string, ObjectOrigin>());
  const where = (o: KubeObject, p: readonly (string | number)[] = []): string => {
    const origin = origins.get(objectId(o));
    return origin ? `${origin.file}:${p.length ? origin.lineOf(p) : origin.line}: ` : "";
  };
  const repos = new Map<string, { spec?: HelmRepositorySpec; error?: string }>();
  for (const o of objects.filter(isHelmRepository)) {
    const r = readHelmRepository(o);
    for (const w of r.warnings) ctx.log.warn(`${where(o, w.path)}${objectId(o)}: ${specIssueText(w)}`);
    repos.set(`${o.metadata.namespace ?? "default"}/${o.metadata.name}`, r.ok ? { spec: r.value } : { error: r.errors.map((e) => `${where(o, e.path)}${objectId(o)}: ${specIssueText(e)}`).join("; ") });
  }
  const helm = ctx.helm ?? helmProgram();
  const cacheDir = ctx.chartCacheDir ?? path.join(process.env.SLIPWAY_CACHE_DIR ?? path.join(os.tmpdir(), "slipway-cache"), "charts");
  const out: KubeObject[] = objects.filter((o) => !isHelmRelease(o) && !isHelmRepository(o));
  const releases: ExpandedRelease[] = [];
  for (const o of objects.filter(isHelmRelease)) {
    const id = objectId(o);
    const namespace = o.metadata.namespace ?? "default";
    const previous = await readReleaseStatus(ctx.client, ctx.agentNamespace, namespace, o.metadata.name, ctx.signal).catch(() => undefined);
    const failed = async (message: string, cause?: unknown): Promise<never> => {
      const status: HelmReleaseStatus = {
        namespace,
        name: o.metadata.name,
        sync: ctx.sync,
        chart: previous?.chart ?? "",
        version: previous?.version ?? "",
        digest: previous?.digest ?? "",
        releaseDigest: previous?.releaseDigest ?? "",
        revision: previous?.revision ?? 0,
        ready: "False",
        reason: "RenderFailed",
        message,
        lastTransitionTime: new Date().toISOString(),
      };
      await writeReleaseStatus(ctx.client, ctx.agentNamespace, status, ctx.signal).catch((err: unknown) => ctx.log.warn(errorMessage(err)));
      const prefix = `${where(o)}${id}: `;
      throw new SlipwayError(`${where(o)}${id}`, message.startsWith(prefix) ? message.slice(prefix.length) : message.replace(where(o), ""), { cause });
    };
    const r = readHelmRelease(o);
    for (const w of r.warnings) ctx.log.warn(`${where(o, w.path)}${id}: ${specIssueText(w)}`);
    if (!r.ok) return failed(r.errors.map((e) => `${where(o, e.path)}${id}: ${specIssueText(e)}`).join("; "));
    const spec = r.value;
    const repo = repos.get(spec.repository);
    if (!repo) return failed(`${where(o, ["spec", "chart", "spec", "sourceRef"])}${id}: spec.chart.spec.sourceRef: HelmRepository/${spec.repository} not found`);
    if (!repo.spec) return failed(`${where(o)}${id}: ${repo.error ?? `HelmRepository/${spec.repository} is invalid`}`);
    try {
      const credentials = await repositoryCredentials(ctx, repo.spec);
      const chart = await fetchChart({ repository: repo.spec, chart: spec.chart, version: spec.version, ...(credentials ? { credentials } : {}), cacheDir, ...(ctx.signal ? { signal: ctx.signal } : {}) });
      const values = await composeValues(ctx.client, spec, ctx.signal);
      const releaseDigest = createHash("sha256").update(JSON.stringify([chart.digest, values, spec.releaseName, spec.targetNamespace, spec.installCrds, spec.upgradeCrds, spec.postRenderPatches])).digest("hex");
      const applied = previous !== undefined && previous.revision > 0;
      const changed = !applied || previous.releaseDigest !== releaseDigest || previous.ready !== "True";
      const rendered = await renderRelease({ helm, chartFile: chart.file, release: spec, values, upgrade: applied, client: ctx.client, kustomize: ctx.kustomize, ...(ctx.signal ? { signal: ctx.signal } : {}) });
      const owner = Object.fromEntries(Object.entries(o.metadata.labels ?? {}).filter(([k]) => k.startsWith("slipway.dev/")));
      for (const x of [...rendered.objects, ...rendered.pre, ...rendered.post]) x.metadata.labels = { ...x.metadata.labels, ...owner };
      if (rendered.dropped.length > 0) ctx.log.debug(`${id}: hooks never run: ${rendered.dropped.join(", ")}`);
      if (changed && rendered.pre.length > 0) await runHooks(rendered.pre, { client: ctx.client, subject: `HelmRelease/${spec.key}`, timeoutMs: spec.timeoutMs ?? ctx.timeoutMs, log: ctx.log, ...(ctx.signal ? { signal: ctx.signal } : {}) });
      out.push(...rendered.objects);
      releases.push({ spec, chart, releaseDigest, changed, ...(previous ? { previous } : {}), post: rendered.post });
    } catch (err) {
      ctx.signal?.throwIfAborted();
      const msg = errorMessage(err);
      return failed(`${where(o)}${msg.startsWith(id) || msg.startsWith("HelmRelease/") ? msg : `${id}: ${msg}`}`, err);
    }
  }
  return { objects: out, releases };
}

/**
 * After the sync's apply: on success runs the post-install / post-upgrade hooks of the releases
 * that changed, then records every release's status (revision one more for a changed release).
 * Returns an error message when a post hook failed (the sync then fails), else undefined.
 */
export async function completeHelm(expansion: HelmExpansion, ctx: Omit<HelmContext, "root" | "origins" | "kustomize">, outcome: { ok: boolean; message?: string }): Promise<string | undefined> {
  let failure: string | undefined;
  for (const rel of expansion.releases) {
    let ok = outcome.ok;
    let message = outcome.ok ? `Helm ${rel.previous?.revision ? "upgrade" : "install"} succeeded for release ${rel.spec.targetNamespace}/${rel.spec.releaseName} with chart ${rel.chart.name}@${rel.chart.version}` : `the sync's apply failed: ${outcome.message ?? ""}`;
    if (ok && rel.changed && rel.post.length > 0) {
      try {
        await runHooks(rel.post, { client: ctx.client, subject: `HelmRelease/${rel.spec.key}`, timeoutMs: rel.spec.timeoutMs ?? ctx.timeoutMs, log: ctx.log, ...(ctx.signal ? { signal: ctx.signal } : {}) });
      } catch (err) {
        ctx.signal?.throwIfAborted();
        ok = false;
        message = errorMessage(err);
        failure ??= message;
      }
    }
    const prevRevision = rel.previous?.revision ?? 0;
    const status: HelmReleaseStatus = {
      namespace: rel.spec.namespace,
      name: rel.spec.name,
      sync: ctx.sync,
      chart: rel.chart.name,
      version: rel.chart.version,
      digest: rel.chart.digest,
      releaseDigest: ok ? rel.releaseDigest : (rel.previous?.releaseDigest ?? ""),
      revision: ok && rel.previous?.releaseDigest !== rel.releaseDigest ? prevRevision + 1 : prevRevision,
      ready: ok ? "True" : "False",
      reason: ok ? (rel.previous?.revision ? "UpgradeSucceeded" : "InstallSucceeded") : "ApplyFailed",
      message,
      lastTransitionTime: new Date().toISOString(),
    };
    await writeReleaseStatus(ctx.client, ctx.agentNamespace, status, ctx.signal).catch((err: unknown) => ctx.log.warn(errorMessage(err)));
  }
  return failure;
}

/**
 * The agent's sources and syncs: the configuration's, plus the GitRepository and Kustomization
 * objects each sync's build holds (nesting, as in Flux: a Kustomization's build may define more).
 * Every definition is kept per defining sync ("definer") and the whole set is resolved again from
 * the configuration on each change, so what a build no longer defines is simply gone.
 *
 * Rules, in Flux's terms:
 * - Objects are identified by namespace/name (keys: agent/flux/sync-key.ts).
 * - The root: a Kustomization named like a sync of the configuration (or held by that sync's own
 *   build), with the same path, whose GitRepository has the same URL as that sync's source (the
 *   seed's gotk-sync.yaml) is that sync and that source; its settings in git win, its
 *   namespace/name refers to them.
 * - A definition of a sync that is its definer or one of the definer's ancestors is a cycle, and
 *   an object defined twice (in one build, by two builds, or over the configuration's) is refused:
 *   both fail the defining sync's build, naming the objects and their file:line, before anything
 *   of that revision is applied.
 * - An object whose spec is wrong (or uses `decryption`) becomes a sync that is Ready=False with a
 *   message naming object, field and file:line; the others carry on. So does a sync whose
 *   sourceRef names no GitRepository, and a dependsOn cycle.
 * - Each HelmRelease of a build is a sync too (agent/helm/release-sync.ts), defined by that build.
 * Pure apart from the registry's own state.
 */
import type { AgentConfig, SourceConfig, SyncConfig } from "../config/agent-config.ts";
import { findDependencyCycle } from "../reconcile/dependency-order.ts";
import { objectId, type KubeObject } from "../kube/kube-object.ts";
import type { ObjectOrigin } from "./flux-origins.ts";
import { isGitRepository, isHelmRelease, isHelmRepository } from "./flux-objects.ts";
import { releaseSync, type HelmReleaseSource } from "../helm/release-sync.ts";
import { readGitRepository, readKustomization, specIssueText, type FluxSync, type SpecIssue } from "./flux-specs.ts";
import { splitKey, syncKey } from "./sync-key.ts";

/** The Flux objects of one build, and where they were written. */
export interface FluxDefinitions {
  objects: readonly KubeObject[];
  origins: ReadonlyMap<string, ObjectOrigin>;
  /** The revision the build was made from (the HelmReleases' syncs render it). */
  revision?: string;
}

/** Why a sync cannot run, as its status will say. */
export interface InvalidDefinition {
  reason: "ArtifactFailed" | "BuildFailed" | "DependencyNotReady";
  message: string;
}

/** A sync as the agent runs it: from the configuration or from git. */
export type SyncSpec = (SyncConfig | FluxSync) & {
  /** `file:line` of the Kustomization, for syncs defined in git. */
  origin?: string;
  /** The key of the sync whose build defines this one. */
  definedBy?: string;
  /** Set when the definition cannot run; the sync is then only reported Ready=False. */
  invalid?: InvalidDefinition;
  /** Set for the sync of a HelmRelease (agent/helm/release-sync.ts): what it renders. */
  helmRelease?: HelmReleaseSource;
};

/** A source as the agent follows it, from the configuration or from git. */
export type SourceSpec = SourceConfig & { origin?: string; definedBy?: string; invalid?: string };

/** The resolved set. */
export interface Resolved {
  sources: SourceSpec[];
  syncs: SyncSpec[];
  /** Warnings per definer (unknown or not-run fields), as `file:line: Kind/ns/name: field: why`. */
  warnings: Map<string, string[]>;
  /** Definers whose build defines something that cannot be taken (cycle, duplicate). */
  definerErrors: Map<string, string>;
}

const normalizeUrl = (u: string): string => u.trim().replace(/\/+$/, "").replace(/\.git$/, "").toLowerCase();
const normalizePath = (p: string): string => p.replace(/^(\.\/)+/, "").replace(/\/+$/, "").replace(/^\.$/, "") || ".";

/** Resolves the configuration plus every build's definitions. Pure. */
export function resolveDefinitions(config: AgentConfig, defined: ReadonlyMap<string, FluxDefinitions>): Resolved {
  const agentNs = config.namespace;
  const sources = new Map<string, SourceSpec>(config.sources.map((s) => [s.name, { ...s }]));
  const syncs = new Map<string, SyncSpec>(config.syncs.map((s) => [s.name, { ...s }]));
  const configSyncs = new Set(config.syncs.map((s) => s.name));
  const sourceAlias = new Map<string, string>();
  const syncAlias = new Map<string, string>();
  const warnings = new Map<string, string[]>();
  const definerErrors = new Map<string, string>();
  const where = (obj: KubeObject, defs: FluxDefinitions, path: readonly (string | number)[] = []): string => {
    const o = defs.origins.get(objectId(obj));
    return o ? `${o.file}:${path.length ? o.lineOf(path) : o.line}: ` : "";
  };
  const describe = (obj: KubeObject, defs: FluxDefinitions, issue: SpecIssue): string => `${where(obj, defs, issue.path)}${objectId(obj)}: ${specIssueText(issue)}`;
  const ancestors = (key: string): string[] => {
    const chain: string[] = [];
    for (let k: string | undefined = key; k !== undefined && !chain.includes(k); k = syncs.get(k)?.definedBy) chain.unshift(k);
    return chain;
  };

  // HelmRepositories of every build: a HelmRelease may name one another build defines.
  const helmRepositories = [...defined.values()].flatMap((d) => d.objects.filter(isHelmRepository).map((o) => ({ obj: o, origin: d.origins.get(objectId(o)) })));
  const queue = [...config.syncs.map((s) => s.name)];
  const visited = new Set<string>();
  while (queue.length > 0) {
    const definer = queue.shift() as string;
    if (visited.has(definer)) continue;
    visited.add(definer);
    const defs = defined.get(definer);
    if (!defs) continue;
    const warn = (m: string): void => void warnings.set(definer, [...(warnings.get(definer) ?? []), m]);
    const refuse = (m: string): void => {
      if (!definerErrors.has(definer)) definerErrors.set(definer, m);
    };
    const seen = new Map<string, string>();
    for (const obj of defs.objects) {
      const id = objectId(obj);
      const first = seen.get(id);
      if (first !== undefined) refuse(`${where(obj, defs)}${id} is defined twice in this build (first at ${first || "an earlier document"})`);
      seen.set(id, where(obj, defs).replace(/: $/, ""));
    }
    // Sources first, so that the Kustomizations of the same build find them.
    const repos = defs.objects.filter(isGitRepository);
    const kusts = defs.objects.filter((o) => !isGitRepository(o) && !isHelmRelease(o) && !isHelmRepository(o));
    const parsedRepos = new Map<string, { obj: KubeObject; spec?: SourceConfig; error?: string }>();
    for (const obj of repos) {
      const r = readGitRepository(obj, agentNs);
      for (const w of r.warnings) warn(describe(obj, defs, w));
      const key = syncKey(obj.metadata.namespace ?? "default", obj.metadata.name, agentNs);
      parsedRepos.set(key, r.ok ? { obj, spec: r.value } : { obj, error: r.errors.map((e) => describe(obj, defs, e)).join("; ") });
    }
    // The root's twin: it overrides the configuration's sync and source, and is not a new sync.
    const twins = new Set<string>();
    for (const obj of kusts) {
      const r = readKustomization(obj, agentNs);
      if (!r.ok) continue;
      // By name first; else the configured sync whose own build holds it (a Kustomization that
      // builds its definer's path of its definer's repository can only be that sync itself).
      const samePath = (p: string): boolean => normalizePath(p) === normalizePath(r.value.path);
      const root = config.syncs.find((s) => s.name === obj.metadata.name && samePath(s.path)) ?? config.syncs.find((s) => s.name === definer && samePath(s.path));
      if (!root || syncAlias.has(r.value.name)) continue;
      const rootSource = config.sources.find((s) => s.name === root.sourceRef);
      const repo = parsedRepos.get(r.value.sourceRef)?.spec ?? sources.get(r.value.sourceRef);
      if (!rootSource || !repo || normalizeUrl(repo.url) !== normalizeUrl(rootSource.url)) continue;
      twins.add(objectId(obj));
      syncAlias.set(r.value.name, root.name);
      sourceAlias.set(r.value.sourceRef, root.sourceRef);
      const repoObj = parsedRepos.get(r.value.sourceRef);
      if (repoObj?.spec) {
        sources.set(root.sourceRef, { ...repoObj.spec, name: root.sourceRef, ...(defs.origins.get(objectId(repoObj.obj)) ? { origin: where(repoObj.obj, defs).replace(/: $/, "") } : {}) });
        parsedRepos.delete(r.value.sourceRef);
      }
      const origin = where(obj, defs).replace(/: $/, "");
      syncs.set(root.name, { ...r.value, name: root.name, sourceRef: root.sourceRef, ...(origin ? { origin } : {}) });
      for (const w of r.warnings) warn(describe(obj, defs, w));
    }
    for (const [key, p] of parsedRepos) {
      if (sources.has(key) && !sourceAlias.has(key)) {
        refuse(`${where(p.obj, defs)}${objectId(p.obj)} is already defined${sources.get(key)?.origin ? ` at ${sources.get(key)?.origin}` : " by the configuration"}`);
        continue;
      }
      const origin = where(p.obj, defs).replace(/: $/, "");
      const { namespace, name } = splitKey(key, agentNs);
      sources.set(key, p.spec ? { ...p.spec, definedBy: definer, ...(origin ? { origin } : {}) } : { name: key, url: "", ref: { branch: "master" }, intervalMs: 60_000, timeoutMs: 60_000, provider: "generic", definedBy: definer, invalid: p.error ?? `GitRepository/${namespace}/${name}: invalid` });
    }
    for (const obj of kusts) {
      if (twins.has(objectId(obj))) continue;
      const key = syncKey(obj.metadata.namespace ?? "default", obj.metadata.name, agentNs);
      const origin = where(obj, defs).replace(/: $/, "");
      const chain = ancestors(definer);
      if (chain.includes(key) || syncAlias.get(key) === definer) {
        refuse(`${where(obj, defs)}${objectId(obj)} is defined by its own build (cycle: ${[...chain.slice(chain.indexOf(syncAlias.get(key) ?? key)), key].join(" → ")})`);
        continue;
      }
      if (syncs.has(key) || syncAlias.has(key)) {
        const other = syncs.get(syncAlias.get(key) ?? key);
        refuse(`${where(obj, defs)}${objectId(obj)} is already defined${other?.origin ? ` at ${other.origin}` : configSyncs.has(key) ? " by the configuration" : ""}`);
        continue;
      }
      const r = readKustomization(obj, agentNs);
      for (const w of r.warnings) warn(describe(obj, defs, w));
      if (r.ok) {
        syncs.set(key, { ...r.value, definedBy: definer, ...(origin ? { origin } : {}) });
        queue.push(key);
      } else {
        const spec = obj.spec as { sourceRef?: { name?: unknown } } | undefined;
        syncs.set(key, {
          name: key,
          namespace: obj.metadata.namespace ?? "default",
          sourceRef: typeof spec?.sourceRef?.name === "string" ? syncKey(obj.metadata.namespace ?? "default", spec.sourceRef.name, agentNs) : "",
          path: "./",
          intervalMs: 600_000,
          retryIntervalMs: 600_000,
          timeoutMs: 570_000,
          prune: false,
          wait: false,
          dependsOn: [],
          suspend: false,
          force: false,
          allowEmpty: false,
          definedBy: definer,
          ...(origin ? { origin } : {}),
          invalid: { reason: "BuildFailed", message: r.errors.map((e) => describe(obj, defs, e)).join("; ") },
        });
      }
    }
    // Each HelmRelease: a sync of its own, rendered from this build's objects at its revision.
    for (const obj of defs.objects.filter(isHelmRelease)) {
      const holder = syncs.get(definer);
      if (!holder) continue;
      const origins = new Map(defs.origins);
      for (const r of helmRepositories) if (r.origin && !origins.has(objectId(r.obj))) origins.set(objectId(r.obj), r.origin);
      const repositories = [...defs.objects.filter(isHelmRepository), ...helmRepositories.map((r) => r.obj)];
      const s = releaseSync(obj, repositories, origins, { key: definer, sourceRef: holder.sourceRef }, defs.revision ?? "");
      const origin = where(obj, defs).replace(/: $/, "");
      if (syncs.has(s.name)) {
        const other = syncs.get(s.name);
        refuse(`${where(obj, defs)}${objectId(obj)} is already defined${other?.origin ? ` at ${other.origin}` : ""}`);
        continue;
      }
      syncs.set(s.name, { ...s, definedBy: definer, ...(origin ? { origin } : {}) });
    }
  }

  // References through the root's twin, then references that resolve to nothing.
  const out = [...syncs.values()].map((s): SyncSpec => ({ ...s, sourceRef: sourceAlias.get(s.sourceRef) ?? s.sourceRef, dependsOn: s.dependsOn.map((d) => syncAlias.get(d) ?? d) }));
  for (const s of out) {
    if (s.invalid || configSyncs.has(s.name)) continue;
    const src = sources.get(s.sourceRef);
    const { namespace, name } = splitKey(s.sourceRef, agentNs);
    const subject = `${s.origin ? `${s.origin}: ` : ""}Kustomization/${splitKey(s.name, agentNs).namespace}/${splitKey(s.name, agentNs).name}`;
    if (!src) s.invalid = { reason: "ArtifactFailed", message: `${subject}: spec.sourceRef: GitRepository/${namespace}/${name} not found` };
    else if (src.invalid) s.invalid = { reason: "ArtifactFailed", message: src.invalid };
  }
  const cycle = findDependencyCycle(out.filter((s) => !s.invalid));
  if (cycle) {
    for (const s of out) if (cycle.includes(s.name) && !s.invalid) s.invalid = { reason: "DependencyNotReady", message: `${s.origin ? `${s.origin}: ` : ""}spec.dependsOn: dependency cycle: ${cycle.join(" → ")}` };
  }
  return { sources: [...sources.values()], syncs: out, warnings, definerErrors };
}

/** The registry: definitions per definer, resolved against the configuration. */
export class SyncRegistry {
  private readonly defined = new Map<string, FluxDefinitions>();
  private resolved: Resolved;
  private readonly config: AgentConfig;

  /** Starts with the configuration alone. */
  constructor(config: AgentConfig) {
    this.config = config;
    this.resolved = resolveDefinitions(config, this.defined);
  }

  /**
   * Takes the definitions of `definer`'s latest build. Returns the error that refuses them (the
   * registry is then unchanged) or the warnings about them.
   */
  define(definer: string, defs: FluxDefinitions, options: { emptyBuild?: boolean; allowEmpty?: boolean } = {}): { error?: string; warnings: string[]; removed: SyncSpec[] } {
    const next = new Map(this.defined);
    if (defs.objects.length === 0) next.delete(definer);
    else next.set(definer, defs);
    const resolved = resolveDefinitions(this.config, next);
    const error = resolved.definerErrors.get(definer);
    const warnings = resolved.warnings.get(definer) ?? [];
    if (error) return { error, warnings, removed: [] };
    const kept = new Set(resolved.syncs.map((s) => s.name));
    const removed = this.resolved.syncs.filter((s) => !kept.has(s.name));
    if (removed.length > 0 && options.emptyBuild && !options.allowEmpty) {
      return { error: `the build produced nothing, but it defined ${removed.map((s) => s.name).join(", ")}; refusing to remove them all at once (allow an empty set to do this)`, warnings, removed: [] };
    }
    // Definitions of syncs that are gone go with them.
    this.defined.clear();
    for (const [k, v] of next) if (kept.has(k)) this.defined.set(k, v);
    this.resolved = resolved;
    return { warnings, removed };
  }

  /** Every sync, the configuration's first, then git's in the order their definers were built. */
  syncs(): readonly SyncSpec[] {
    return this.resolved.syncs;
  }

  /** Every source. */
  sources(): readonly SourceSpec[] {
    return this.resolved.sources;
  }

  /** One sync by key. */
  sync(key: string): SyncSpec | undefined {
    return this.resolved.syncs.find((s) => s.name === key);
  }
}

/** Settings that only schedule a sync (when it runs next, how long a run may take) or say where it came from. */
const scheduleOnly = new Set(["intervalMs", "retryIntervalMs", "timeoutMs", "origin"]);

/**
 * Whether two specs of one sync would build or apply differently (anything but its schedule and
 * origin differs): the root adopting its twin's settings from git needs a new build only then. Pure.
 */
export function runSettingsDiffer(a: SyncSpec, b: SyncSpec): boolean {
  const strip = (s: SyncSpec): string => JSON.stringify(Object.fromEntries(Object.entries(s).filter(([k]) => !scheduleOnly.has(k)).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))));
  return strip(a) !== strip(b);
}

/**
 * One reconcile of one sync: source revision → dependency check → export and build → staged
 * apply, prune and health (agent/sync) → status, Events, metrics and one log line. Every failure
 * ends as Ready=False with a reason and a message naming the file or object; nothing is applied
 * or pruned when the source or the build fails.
 */
import { errorMessage } from "../../core/errors.ts";
import type { Logger } from "../../core/log.ts";
import type { SyncConfig } from "../config/agent-config.ts";
import { runSettingsDiffer, type FluxDefinitions, type SyncSpec } from "../flux/sync-registry.ts";
import { locateFluxObjects, type ObjectOrigin } from "../flux/flux-origins.ts";
import { substituteObjects } from "../flux/substitute.ts";
import { readSubstitutions } from "../flux/substitution-values.ts";
import { splitKey } from "../flux/sync-key.ts";
import { formatDuration } from "../../core/duration.ts";
import { buildSync } from "../build/build-sync.ts";
import { buildKey, type BuildCache } from "../build/build-cache.ts";
import { decryptSync } from "../sops/decrypt-sync.ts";
import { completeHelm, expandHelm, hasHelmObjects, type HelmContext, type HelmExpansion } from "../helm/expand-helm.ts";
import { handOverReleases, releaseOfKey, takeHelmObjects } from "../helm/release-sync.ts";
import path from "node:path";
import type { Kustomize } from "../build/kustomize-runner.ts";
import { createWorkspace } from "../build/workspace.ts";
import { applySourceIgnore } from "../source/apply-sourceignore.ts";
import type { KubeClient } from "../kube/kube-client.ts";
import type { KubeObject } from "../kube/kube-object.ts";
import { applySync } from "../sync/apply-sync.ts";
import { ResourceManager } from "../apply/resource-manager.ts";
import type { AppliedStates } from "../apply/applied-state.ts";
import type { SyncOutcome } from "../sync/sync-outcome.ts";
import { countActions, formatEntry, summarize } from "../apply/change-set.ts";
import type { AgentMetrics } from "../metrics/agent-metrics.ts";
import type { EventRecorder } from "../status/event-recorder.ts";
import type { StatusStore } from "../status/status-store.ts";
import { nextStatus, type ReconcileResult, type SyncStatus } from "../status/sync-status.ts";
import type { SourceManager } from "./source-manager.ts";

/** What a reconcile needs from the running agent. */
export interface ReconcileContext {
  client: KubeClient;
  agentNamespace: string;
  /** Namespaced mode (config `namespaces`): the only namespaces a build may touch. Default: cluster-wide. */
  namespaces?: readonly string[];
  sources: SourceManager;
  kustomize: Kustomize;
  store: StatusStore;
  events: EventRecorder;
  metrics: AgentMetrics;
  log: Logger;
  /** The latest known status of every sync (for dependsOn); updated by the caller. */
  statusOf(sync: string): SyncStatus | undefined;
  /** Parent directory of build workspaces. Default the OS temp dir. */
  workDir?: string;
  /**
   * What each sync's last applies confirmed in sync, kept between runs so that unchanged objects
   * are not dry-run again (agent/apply/applied-state.ts). Default: every existing object is dry-run.
   */
  applied?: AppliedStates;
  /**
   * The last build of each sync (agent/build/build-cache.ts): a reconcile at the same commit and
   * settings reuses it instead of exporting the tree and running kustomize. Default: every
   * reconcile builds.
   */
  builds?: BuildCache;
  /** Objects applied at once within a stage (the configuration's `applyConcurrency`). Default 4. */
  applyConcurrency?: number;
  /**
   * Takes the GitRepository and Kustomization objects of a sync's build (every build, even one
   * without any, so that removed ones go). Returns an error when they cannot be taken (a cycle,
   * an object defined twice): the build then fails and nothing of it is applied. Warnings are
   * logged by the reconcile, once per revision. Default: Flux objects are ignored.
   */
  /** Whether a sync of that key is defined (configuration or git). Default: every dependency is assumed to exist. */
  exists?(sync: string): boolean;
  /** The sync's spec now (its own build may have just changed it: the root's twin in git). Default: the spec the run started with. */
  current?(sync: string): SyncSpec | undefined;
  define?(sync: string, defs: FluxDefinitions, options: { emptyBuild: boolean; allowEmpty: boolean }): { error?: string; warnings: string[] };
  /** Takes the Provider and Alert objects of every build (agent/notify). Default: none are read. */
  notifications?: { configure(sync: string, objects: readonly KubeObject[]): void };
  /** Told when a revision's build has been applied (health not yet known): when, and what was built. Default: nobody. */
  onApplied?(sync: string, applied: AppliedRevision): void;
}

/** A revision whose build the apply took (its prune or health may still have failed). */
export interface AppliedRevision {
  revision: string;
  source: string;
  objects: readonly KubeObject[];
  /** When the apply and prune ended (before the health wait), ms since the epoch. */
  atMs: number;
}

/** Per-run inputs. */
export interface ReconcileRequest {
  /** Fetch the source first even if its interval has not passed. Default false. */
  withSource?: boolean;
  /** The reconcile request (annotation value) this run handles. */
  requestedAt?: string;
  /** Status before this run. */
  previous?: SyncStatus;
  signal: AbortSignal;
  /** Set on the second pass of a run whose own build changed its settings; no third pass. */
  adopted?: boolean;
}

/** The result of one reconcile. */
export interface ReconcileOutcome {
  ok: boolean;
  status: SyncStatus;
  /** Run again after this long instead of the interval (dependencies not ready). */
  requeueMs?: number;
  /** Set when the failure was a dependency not ready (for --once ordering and waking). */
  dependencyNotReady?: boolean;
}

/** How long to wait for a dependency: 30 s, or the retry interval when shorter. */
export function dependencyRequeueMs(sync: Pick<SyncConfig, "retryIntervalMs">): number {
  return Math.min(30_000, sync.retryIntervalMs);
}

/** The names of dependencies of `sync` that are not Ready at `revision` (same source). Pure. */
export function unreadyDependencies(sync: Pick<SyncConfig, "dependsOn" | "sourceRef">, revision: string, statusOf: (name: string) => SyncStatus | undefined): string[] {
  return sync.dependsOn.filter((dep) => {
    const s = statusOf(dep);
    if (!s || s.ready !== "True") return true;
    return s.source === sync.sourceRef && s.lastAppliedRevision !== revision;
  });
}

/** Maps a failed apply outcome to a Ready reason and a message naming the objects. Pure. */
export function describeFailure(outcome: SyncOutcome): { reason: "ReconciliationFailed" | "PruneFailed" | "HealthCheckFailed"; message: string } {
  const first = outcome.errors[0];
  const reason = first?.phase === "prune" ? "PruneFailed" : first?.phase === "health" ? "HealthCheckFailed" : "ReconciliationFailed";
  const shown = outcome.errors.slice(0, 5).map((e) => e.message);
  if (outcome.errors.length > 5) shown.push(`and ${outcome.errors.length - 5} more`);
  return { reason, message: shown.join("; ") || "apply failed" };
}

/** Runs one reconcile of `sync` and records its status; never throws except when `signal` aborts. */
export async function reconcileSync(ctx: ReconcileContext, sync: SyncSpec, req: ReconcileRequest): Promise<ReconcileOutcome> {
  const start = performance.now();
  const log = ctx.log.with({ sync: sync.name });
  const elapsed = (): number => performance.now() - start;
  let previous = req.previous;
  const finish = async (result: ReconcileResult, extra: Partial<ReconcileOutcome> = {}): Promise<ReconcileOutcome> => {
    const status = nextStatus(previous, result, new Date().toISOString(), req.requestedAt);
    if (sync.definedBy !== undefined) Object.assign(status, { definedBy: sync.definedBy, prune: sync.prune });
    let uid: string | undefined;
    try {
      uid = await ctx.store.write(sync.name, status, req.signal);
    } catch (err) {
      log.error(errorMessage(err));
    }
    const ok = result.kind === "succeeded";
    ctx.metrics.reconciled(sync.name, ok, elapsed() / 1000);
    ctx.metrics.ready(sync.name, status.ready === "True");
    ctx.metrics.suspended(sync.name, false);
    if (result.kind === "failed") {
      await ctx.events.record({ sync: sync.name, type: "Warning", reason: result.reason, note: result.message, revision: result.revision, ...(uid ? { uid } : {}) }, req.signal);
    }
    return { ok, status, ...extra };
  };

  // 0. A definition from git that cannot run: reported, nothing else.
  if (sync.invalid) {
    return finish({ kind: "failed", reason: sync.invalid.reason, message: sync.invalid.message, source: sync.sourceRef, durationMs: elapsed() });
  }
  const own = splitKey(sync.name, ctx.agentNamespace);
  const syncNamespace = "namespace" in sync ? sync.namespace : ctx.agentNamespace;

  // 1. Source.
  let revision: string;
  let sha: string;
  try {
    // A HelmRelease's sync renders what its holder's build defined at that revision.
    const got = sync.helmRelease ? { revision: sync.helmRelease.revision, sha: "" } : await ctx.sources.revision(sync.sourceRef, { force: req.withSource, signal: req.signal });
    revision = got.revision;
    sha = got.sha;
  } catch (err) {
    req.signal.throwIfAborted();
    return finish({ kind: "failed", reason: "ArtifactFailed", message: errorMessage(err), source: sync.sourceRef, durationMs: elapsed() });
  }
  const rlog = log.with({ revision });

  // 2. Dependencies.
  const waiting = unreadyDependencies(sync, revision, ctx.statusOf);
  if (waiting.length > 0) {
    const missing = waiting.filter((d) => ctx.exists && !ctx.exists(d));
    const where = sync.origin ? `${sync.origin}: ` : "";
    const message = missing.length > 0
      ? `${where}spec.dependsOn: ${missing.map((d) => { const k = releaseOfKey(d); return k ? `HelmRelease/${k.namespace}/${k.name}` : `Kustomization/${splitKey(d, ctx.agentNamespace).namespace}/${splitKey(d, ctx.agentNamespace).name}`; }).join(", ")} not found`
      : `dependencies not ready: ${waiting.map((d) => `${d} (${ctx.statusOf(d)?.message ?? "not reconciled yet"})`).join(", ")}`;
    return finish({ kind: "failed", reason: "DependencyNotReady", message, revision, source: sync.sourceRef, durationMs: elapsed() }, { requeueMs: dependencyRequeueMs(sync), dependencyNotReady: true });
  }

  // Reported once per revision: what the build leaves out and why.
  const newRevision = previous?.lastAttemptedRevision !== revision;
  if (previous?.lastAppliedRevision !== revision) {
    previous = nextStatus(previous, { kind: "progressing", revision, source: sync.sourceRef }, new Date().toISOString());
    await ctx.store.write(sync.name, previous, req.signal).catch((err: unknown) => rlog.warn(errorMessage(err)));
  }

  // 3. Build, in a private copy of the revision's tree.
  const ws = await createWorkspace(ctx.workDir);
  const helmContext = (at: { root: string } | { origins: HelmContext["origins"] & object }): HelmContext => ({ client: ctx.client, kustomize: ctx.kustomize, agentNamespace: ctx.agentNamespace, sync: sync.definedBy !== undefined && sync.helmRelease ? sync.definedBy : sync.name, ...at, timeoutMs: sync.timeoutMs, log: rlog, signal: req.signal, ...(ctx.workDir ? { chartCacheDir: path.join(path.dirname(ctx.workDir), "charts") } : {}) });
  let objects;
  /** The build came from the cache: neither the export nor kustomize ran. */
  let reusedBuild = false;
  let helm: HelmExpansion | undefined;
  let adopt: SyncSpec | undefined;
  try {
    if (sync.helmRelease) {
      objects = (helm = await expandHelm(sync.helmRelease.objects, helmContext({ origins: sync.helmRelease.origins }))).objects;
    } else {
      // The tree is exported only when something reads it: a build not kept from the last run at
      // these inputs, SOPS, the Flux objects' origins, a local chart.
      const ignore = ctx.sources.ignore(sync.sourceRef);
      let exported = false;
      const tree = async (): Promise<string> => {
        if (!exported) {
          await ctx.sources.export(sync.sourceRef, sha, ws.root, req.signal);
          await applySourceIgnore(ws.root, req.signal, ignore);
          exported = true;
        }
        return ws.root;
      };
      const overlay = "overlay" in sync && sync.overlay ? sync.overlay : undefined;
      const owner = { sync: own.name, namespace: syncNamespace };
      const key = ctx.builds ? buildKey({ sha, path: sync.path, kustomize: ctx.kustomize.identity, owner, ...(ignore !== undefined ? { ignore } : {}), ...(overlay ? { overlay } : {}), ...(sync.targetNamespace ? { targetNamespace: sync.targetNamespace } : {}) }) : undefined;
      let built = key ? await ctx.builds?.get(sync.name, key, req.signal) : undefined;
      if (built) reusedBuild = true;
      else {
        built = await buildSync({
          root: await tree(),
          path: sync.path,
          kustomize: ctx.kustomize,
          owner,
          ...(overlay ? { overlay } : {}),
          ...(sync.targetNamespace ? { targetNamespace: sync.targetNamespace } : {}),
          signal: req.signal,
        });
        if (key && built.fromTreeAlone) await ctx.builds?.put(sync.name, key, built, req.signal);
      }
      objects = built.objects;
      rlog.debug(`built ${objects.length} objects`);
      ctx.notifications?.configure(sync.name, [...built.notificationObjects, ...built.fluxObjects]);
      if ("decryption" in sync && sync.decryption) objects = await decryptSync({ client: ctx.client, namespace: syncNamespace, decryption: sync.decryption, objects, root: await tree(), signal: req.signal, warn: (w) => newRevision && rlog.warn(w) });
      if ("postBuild" in sync && sync.postBuild) {
        const vars = await readSubstitutions(ctx.client, syncNamespace, sync.postBuild, req.signal);
        const substituted = substituteObjects(objects, vars);
        objects = substituted.objects;
        if (newRevision) for (const w of substituted.warnings) rlog.warn(w);
      }
      // HelmReleases (after substitution, as Flux substitutes them) become syncs of their own.
      const helmObjects = ctx.define ? takeHelmObjects(objects) : { helm: [], rest: objects };
      objects = helmObjects.rest;
      if (ctx.define) {
        const located = [...built.fluxObjects, ...helmObjects.helm];
        const origins = located.length > 0 ? await locateFluxObjects(await tree(), located, req.signal) : new Map<string, ObjectOrigin>();
        const emptyBuild = built.objects.length === 0 && built.fluxObjects.length === 0;
        if (helmObjects.helm.length > 0) await handOverReleases(ctx.client, ctx.agentNamespace, sync.name, helmObjects.helm, req.signal);
        const taken = ctx.define(sync.name, { objects: [...built.fluxObjects, ...helmObjects.helm], origins, revision }, { emptyBuild, allowEmpty: sync.allowEmpty });
        if (taken.error) throw new Error(taken.error);
        if (newRevision) for (const w of taken.warnings) rlog.warn(w);
        // The root's twin in its own build: its settings in git win, from this very run on.
        const now = ctx.current?.(sync.name);
        if (now && !req.adopted && runSettingsDiffer(sync, now)) adopt = now;
      }
      if (hasHelmObjects(objects)) objects = (helm = await expandHelm(objects, helmContext({ root: await tree() }))).objects;
      if (newRevision && built.skipped.length > 0) {
        const note = built.skipped.map((s) => `${s.id} skipped: ${s.reason}`).join("\n");
        await ctx.events.record({ sync: sync.name, type: "Normal", reason: "Skipped", note, revision }, req.signal);
      }
    }
  } catch (err) {
    req.signal.throwIfAborted();
    return finish({ kind: "failed", reason: "BuildFailed", message: errorMessage(err), revision, source: sync.sourceRef, durationMs: elapsed() });
  } finally {
    await ws.dispose();
  }
  if (adopt) {
    rlog.info("its settings in git differ from the configuration's: building again with them");
    return reconcileSync(ctx, adopt, { ...req, previous, withSource: false, adopted: true });
  }

  // 4. Apply, prune, health.
  const accountNamespace = ("serviceAccountNamespace" in sync && sync.serviceAccountNamespace) || syncNamespace;
  const client = sync.serviceAccountName ? ctx.client.impersonate(`system:serviceaccount:${accountNamespace}:${sync.serviceAccountName}`) : ctx.client;
  let outcome: SyncOutcome;
  try {
    outcome = await applySync({
      client,
      // The parent (inventory and status) is the agent's own business, not the account's.
      inventoryClient: ctx.client,
      sync: sync.name,
      agentNamespace: ctx.agentNamespace,
      objects,
      prune: sync.prune,
      wait: sync.wait,
      force: sync.force,
      allowEmpty: sync.allowEmpty,
      timeoutMs: sync.timeoutMs,
      ...(ctx.applied ? { applied: ctx.applied.of(sync.name) } : {}),
      ...(ctx.applyConcurrency ? { concurrency: ctx.applyConcurrency } : {}),
      ...(sync.targetNamespace ? { targetNamespace: sync.targetNamespace } : {}),
      ...(ctx.namespaces ? { namespaces: ctx.namespaces } : {}),
      signal: req.signal,
      log: rlog,
    });
  } catch (err) {
    req.signal.throwIfAborted();
    return finish({ kind: "failed", reason: "ReconciliationFailed", message: errorMessage(err), revision, source: sync.sourceRef, durationMs: elapsed() });
  }
  if (outcome.errors.every((e) => e.phase === "prune" || e.phase === "health")) ctx.onApplied?.(sync.name, { revision, source: sync.sourceRef, objects, atMs: Date.now() - (outcome.health?.durationMs ?? 0) });
  const counts = countActions(outcome.changeSet);
  ctx.metrics.applied(sync.name, counts);
  const changed = outcome.changeSet.filter((e) => e.action === "created" || e.action === "configured");
  const summary = summarize(outcome.changeSet);
  // The parent's uid (the Events' subject) is read only when there is an Event to record.
  let withUid: { uid?: string } | undefined;
  const subject = async (): Promise<{ uid?: string }> => {
    if (!withUid) {
      const uid = (await ctx.store.get(sync.name, req.signal).catch(() => undefined))?.uid;
      withUid = uid ? { uid } : {};
    }
    return withUid;
  };
  if (changed.length > 0) {
    await ctx.events.record({ sync: sync.name, type: "Normal", reason: "ReconciliationSucceeded", note: changed.map(formatEntry).join("\n"), revision, ...(await subject()) }, req.signal);
  }
  if (outcome.pruned.length > 0) {
    await ctx.events.record({ sync: sync.name, type: "Normal", reason: "Pruned", note: outcome.pruned.map((id) => `${id} deleted`).join("\n"), revision, ...(await subject()) }, req.signal);
  }
  if (outcome.health?.healthy) {
    await ctx.events.record({ sync: sync.name, type: "Normal", reason: "HealthCheckPassed", note: `Health check passed in ${formatDuration(outcome.health.durationMs)}`, revision, ...(await subject()) }, req.signal);
  }
  // A Kustomization's healthChecks: objects outside the build, waited for once the apply succeeded.
  if (outcome.ok && "healthChecks" in sync && sync.healthChecks?.length) {
    const started = performance.now();
    const manager = new ResourceManager({ client, inventoryClient: ctx.client, log: rlog });
    const refs = sync.healthChecks.map((h) => ({ apiVersion: h.apiVersion, kind: h.kind, metadata: { name: h.name, namespace: h.namespace } }));
    const health = await manager.wait(refs, { timeoutMs: Math.max(1000, sync.timeoutMs - elapsed()), signal: req.signal });
    if (!health.healthy) {
      const bad = health.objects.filter((o) => o.status !== "Current").map((o) => `${o.id}: ${o.message}`);
      return finish({ kind: "failed", reason: "HealthCheckFailed", message: `spec.healthChecks: ${bad.join("; ") || health.message}`, revision, source: sync.sourceRef, objects: outcome.inventory.objects, changeSet: summary, durationMs: elapsed() });
    }
    rlog.info(`health checks passed in ${formatDuration(performance.now() - started)}`);
  }
  const hookFailure = helm?.releases.length ? await completeHelm(helm, { client: ctx.client, agentNamespace: ctx.agentNamespace, sync: sync.helmRelease && sync.definedBy !== undefined ? sync.definedBy : sync.name, timeoutMs: sync.timeoutMs, log: rlog, signal: req.signal }, { ok: outcome.ok, message: describeFailure(outcome).message }) : undefined;
  if (hookFailure) return finish({ kind: "failed", reason: "ReconciliationFailed", message: hookFailure, revision, source: sync.sourceRef, objects: outcome.inventory.objects, changeSet: summary, durationMs: elapsed() });
  if (!outcome.ok) {
    const f = describeFailure(outcome);
    return finish({ kind: "failed", reason: f.reason, message: f.message, revision, source: sync.sourceRef, objects: outcome.inventory.objects, changeSet: summary, durationMs: elapsed() });
  }
  const result = await finish({ kind: "succeeded", revision, source: sync.sourceRef, objects: outcome.inventory.objects, changeSet: summary, durationMs: elapsed() });
  rlog.info(`Reconciliation finished in ${formatDuration(elapsed())}, next run in ${formatDuration(sync.intervalMs)}`, { changes: summary, build: reusedBuild ? "reused" : "built" });
  return result;
}

/**
 * Running every sync: `--once` reconciles each sync one time in dependency order; the daemon
 * runs one loop per sync (interval with jitter, backoff on failure, woken early by a webhook, a
 * new revision, a `slipway reconcile` request or a dependency becoming Ready), one poller per
 * source, and a poller of the parents' annotations. A failing sync never stops the others.
 * Stopping (`stop` aborted) lets the reconcile in progress finish; `hard` aborts it.
 *
 * The set of syncs and sources is not fixed: GitRepository and Kustomization objects found in a
 * sync's build become sources and syncs (agent/flux/sync-registry.ts). `--once` runs those too,
 * after their definer; the daemon starts a loop for each new one and ends the loop of each one
 * that left git.
 */
import { errorMessage } from "../../core/errors.ts";
import type { AgentConfig } from "../config/agent-config.ts";
import { SyncRegistry, type SourceSpec, type SyncSpec } from "../flux/sync-registry.ts";
import type { SyncStatus } from "../status/sync-status.ts";
import { nextStatus } from "../status/sync-status.ts";
import type { ParentView } from "../status/status-store.ts";
import { dependencyOrder } from "./dependency-order.ts";
import { nextRunDelay, jittered } from "./schedule.ts";
import { createWaker, type Waker } from "./wake-signal.ts";
import { reconcileSync, type ReconcileContext } from "./reconcile-sync.ts";
import { createCollector, type CollectorRegistry } from "./garbage-collect.ts";
import { AppliedStates } from "../apply/applied-state.ts";
import { parentId, parentRef } from "../applyset/applyset-parent.ts";
import { resolveGroupKind } from "../applyset/group-kind-mapping.ts";
import { parseInventoryKey, type KubeObject } from "../kube/kube-object.ts";
import { viewParent } from "../status/status-store.ts";
import { MemberWatch, type WatchTarget } from "../watch/member-watch.ts";
import { runWatchLoop } from "../watch/watch-loop.ts";
import { createLimiter } from "../kube/limiter.ts";

/** Options for the loops. */
export interface AgentLoopOptions {
  config: AgentConfig;
  /** Everything a reconcile needs, except `statusOf` and `define`, which the loop provides. */
  context: Omit<ReconcileContext, "statusOf" | "define" | "exists">;
  /** Stop starting new work. */
  stop: AbortSignal;
  /** Abort work in progress. */
  hard: AbortSignal;
  /** How often parents are read for reconcile requests and suspension when the client cannot watch. Default 2000 ms. */
  pollIntervalMs?: number;
  /**
   * Syncs reconciled at once by the daemon; the others wait their turn in the order they woke.
   * This bounds what builds in flight hold (kustomize processes, parsed objects) when a poke
   * wakes many syncs together. Default: the configuration's `syncConcurrency` (4 unless set).
   */
  maxConcurrentReconciles?: number;
  /**
   * Watch the parents (reconcile and suspend requests) and each sync's members (hand edits are
   * put back within about a second: agent/watch/member-watch.ts) instead of waiting for the
   * interval. Default true when the client can watch.
   */
  watch?: boolean;
}

/** The running daemon's controls (for the HTTP hook and readiness). */
export interface AgentLoop {
  /** Marks `source` stale and wakes its syncs; false when unknown. */
  poke(source: string): boolean;
  /** Resolves when every loop has ended (after `stop`). */
  done: Promise<void>;
  /** The syncs and sources run now (configuration and git), for the status API. */
  specs(): { syncs: readonly SyncSpec[]; sources: readonly SourceSpec[] };
}

/** The syncs' dependency order, ignoring the dependencies of definitions that cannot run (they may form the cycle). */
function ordered(syncs: readonly SyncSpec[]): SyncSpec[] {
  return dependencyOrder(syncs.map((s) => (s.invalid ? { ...s, dependsOn: [] } : s)));
}

/**
 * The reconcile context of one run over `registry`: statuses from `statuses`, syncs known to the
 * registry, and definitions found in a build taken into it, calling `defined` after each one the
 * registry accepted (so the run can start or stop what the new set needs).
 */
function registryContext(context: AgentLoopOptions["context"], registry: SyncRegistry, statuses: Map<string, SyncStatus>, defined: (definer: string) => void): ReconcileContext {
  return {
    ...context,
    statusOf: (n) => statuses.get(n),
    exists: (n) => registry.sync(n) !== undefined,
    current: (n) => registry.sync(n),
    define: (sync, defs, opts) => {
      const taken = registry.define(sync, defs, opts);
      if (!taken.error) defined(sync);
      return taken;
    },
  };
}

/** The registry as the garbage collector asks it. */
const collectorRegistry = (registry: SyncRegistry): CollectorRegistry => ({
  hasSync: (k: string): boolean => registry.sync(k) !== undefined,
  hasSource: (k: string): boolean => registry.sources().some((s) => s.name === k),
});

/**
 * Reconciles every sync once, dependencies first; the syncs defined in git run after the build
 * that defines them. Returns the names (keys) of the syncs that failed.
 */
export async function runOnce(options: AgentLoopOptions): Promise<string[]> {
  const { config, context } = options;
  const registry = new SyncRegistry(config);
  const statuses = new Map<string, SyncStatus>();
  for (const v of await context.store.list(options.hard).catch(() => [])) if (v.status) statuses.set(v.sync, v.status);
  const failed: string[] = [];
  const done = new Set<string>();
  const updateSources = (): void => context.sources.update(registry.sources().filter((s) => !s.invalid));
  const ctx = registryContext({ ...context, applyConcurrency: config.applyConcurrency }, registry, statuses, updateSources);
  const collector = createCollector(context, collectorRegistry(registry), { retry: false, stop: options.stop, hard: options.hard });
  updateSources();
  for (;;) {
    if (options.stop.aborted) break;
    const sync = ordered(registry.syncs()).find((s) => !done.has(s.name));
    if (!sync) break;
    done.add(sync.name);
    const view = await context.store.get(sync.name, options.hard).catch(() => undefined);
    if (sync.suspend || view?.suspended) {
      context.log.info("suspended, skipped", { sync: sync.name });
      continue;
    }
    const out = await reconcileSync(ctx, sync, { previous: statuses.get(sync.name), signal: options.hard, ...(view?.requestedAt ? { requestedAt: view.requestedAt } : {}) });
    statuses.set(sync.name, out.status);
    if (!out.ok) failed.push(sync.name);
    // What this build no longer defines is garbage-collected once it applied.
    if (out.ok) await collector.collect(sync.name).catch(() => undefined);
  }
  return failed;
}

/** Starts the daemon loops. */
export function startAgentLoop(options: AgentLoopOptions): AgentLoop {
  const { config, context, stop, hard } = options;
  const log = context.log;
  const registry = new SyncRegistry(config);
  const statuses = new Map<string, SyncStatus>();
  const views = new Map<string, ParentView>();
  const wakers = new Map<string, Waker>();
  const sourceLoops = new Map<string, { waker: Waker }>();
  const running: Promise<void>[] = [];
  const forceSource = new Set<string>();
  const handledRequest = new Map<string, string>();
  // What each sync's applies confirmed in sync: a no-op run dry-runs only what changed.
  const applied = context.applied ?? new AppliedStates();
  const canWatch = options.watch !== false && context.client.watch !== undefined;
  const memberWatches = new Map<string, { watch: MemberWatch; record: string }>();
  const applying = new Set<string>();
  const reconcileSlot = createLimiter(options.maxConcurrentReconciles ?? config.syncConcurrency);
  // After a successful apply: watch each kind in each namespace where the apply left members, so
  // that a hand edit wakes the sync at once (only what changed is dry-run and applied again).
  // Not every namespace the parent records: its scope always names the parent's own namespace,
  // which as a rule holds none of them, and a watch there would cost a connection per kind.
  const watchMembers = async (name: string): Promise<void> => {
    if (!canWatch || stop.aborted) return;
    const ref = parentRef(name, context.agentNamespace);
    const where = new Map<string, Set<string>>();
    for (const key of applied.of(name).keys()) {
      const { groupKind, namespace } = parseInventoryKey(key);
      (where.get(groupKind) ?? where.set(groupKind, new Set()).get(groupKind))?.add(namespace);
    }
    const recordKey = JSON.stringify([...where].map(([gk, nss]) => [gk, [...nss].sort()]).sort());
    let entry = memberWatches.get(name);
    if (entry?.record === recordKey) return;
    const targets: WatchTarget[] = [];
    for (const [gk, namespaces] of where) {
      const mapping = await resolveGroupKind(context.client, gk, hard).catch(() => undefined);
      if (!mapping) continue;
      for (const namespace of mapping.namespaced ? [...namespaces].filter(Boolean) : [undefined]) targets.push({ mapping, ...(namespace ? { namespace } : {}) });
    }
    entry ??= {
      watch: new MemberWatch({
        client: context.client,
        id: parentId(ref),
        state: applied.of(name),
        busy: () => applying.has(name),
        onDrift: (keys) => {
          log.info(`${keys.length} member${keys.length === 1 ? "" : "s"} changed outside git, reconciling`, { sync: name });
          wakers.get(name)?.wake();
        },
        log,
      }),
      record: recordKey,
    };
    entry.record = recordKey;
    memberWatches.set(name, entry);
    entry.watch.setTargets(targets);
  };
  const wakeSource = (source: string): void => {
    for (const s of registry.syncs()) if (s.sourceRef === source) wakers.get(s.name)?.wake();
  };
  // Starts the loops of syncs and sources new to the registry; the loops of those that left end
  // by themselves (they look their spec up on each turn) once woken.
  const specs = new Map<string, string>();
  const refresh = (definer?: string): void => {
    context.sources.update(registry.sources().filter((s) => !s.invalid));
    if (stop.aborted) return;
    for (const s of registry.syncs()) {
      // A sync whose definition changed in git runs again at once with it.
      const spec = JSON.stringify(s);
      const changed = specs.get(s.name) !== spec;
      specs.set(s.name, spec);
      if (wakers.has(s.name)) {
        // The definer itself is running: it takes its new settings in that run (reconcile-sync).
        if (changed && s.name !== definer) wakers.get(s.name)?.wake();
        continue;
      }
      wakers.set(s.name, createWaker());
      running.push(syncLoop(s.name));
    }
    for (const [key, w] of wakers) {
      if (registry.sync(key)) continue;
      specs.delete(key);
      w.wake();
    }
    for (const src of registry.sources()) {
      if (src.invalid || sourceLoops.has(src.name)) continue;
      const entry = { waker: createWaker() };
      sourceLoops.set(src.name, entry);
      running.push(sourceLoop(src.name, entry.waker));
    }
    for (const [name, l] of sourceLoops) if (!registry.sources().some((s) => s.name === name && !s.invalid)) l.waker.wake();
  };
  const ctx = registryContext({ ...context, applied, applyConcurrency: config.applyConcurrency }, registry, statuses, refresh);
  const collector = createCollector(context, collectorRegistry(registry), { retry: true, stop, hard });

  const syncLoop = async (key: string): Promise<void> => {
    const waker = wakers.get(key) ?? createWaker();
    let failures = 0;
    // Spread the first runs a little so many syncs do not start in the same instant.
    await waker.sleep(Math.round(Math.random() * 500), stop);
    while (!stop.aborted) {
      const sync = registry.sync(key);
      if (!sync) {
        // Left git: its definer garbage-collects it (below, after its own apply); the loop ends.
        wakers.delete(key);
        statuses.delete(key);
        applied.delete(key);
        const w = memberWatches.get(key);
        memberWatches.delete(key);
        await w?.watch.close();
        break;
      }
      const view = views.get(sync.name);
      let delay: number;
      if (sync.suspend || view?.suspended) {
        const prev = statuses.get(sync.name);
        if (!prev?.suspended) {
          log.info("suspended", { sync: sync.name });
          const status = nextStatus(prev, { kind: "suspended" }, new Date().toISOString(), view?.requestedAt);
          statuses.set(sync.name, status);
          await context.store.write(sync.name, status, hard).catch((err: unknown) => log.error(errorMessage(err), { sync: sync.name }));
        }
        context.metrics.suspended(sync.name, true);
        delay = sync.intervalMs;
      } else {
        const requestedAt = view?.requestedAt;
        const withSource = forceSource.delete(sync.sourceRef) || (requestedAt !== undefined && view?.withSource === true && handledRequest.get(sync.name) !== requestedAt);
        if (requestedAt) handledRequest.set(sync.name, requestedAt);
        try {
          const out = await reconcileSlot(() => {
            applying.add(sync.name);
            return reconcileSync(ctx, sync, { previous: statuses.get(sync.name), withSource, signal: hard, ...(requestedAt ? { requestedAt } : {}) }).finally(() => applying.delete(sync.name));
          });
          statuses.set(sync.name, out.status);
          if (out.ok) await watchMembers(sync.name).catch((err: unknown) => log.warn(`cannot watch the members: ${errorMessage(err)}`, { sync: sync.name }));
          failures = out.ok || out.dependencyNotReady ? 0 : failures + 1;
          delay = nextRunDelay(registry.sync(key) ?? sync, failures, out.requeueMs);
          if (out.ok) for (const other of registry.syncs()) if (other.dependsOn.includes(sync.name)) wakers.get(other.name)?.wake();
          // What this build no longer defines is garbage-collected once it applied.
          if (out.ok) await collector.collect(sync.name);
          if (!out.ok && !out.dependencyNotReady) log.info(`retrying in ${Math.round(delay / 1000)}s`, { sync: sync.name, failures });
        } catch (err) {
          if (hard.aborted) break;
          failures++;
          delay = nextRunDelay(sync, failures);
          log.error(`reconcile failed unexpectedly: ${errorMessage(err)}`, { sync: sync.name });
        }
      }
      await waker.sleep(delay, stop);
    }
  };

  const sourceLoop = async (name: string, waker: Waker): Promise<void> => {
    while (!stop.aborted) {
      const intervalMs = registry.sources().find((s) => s.name === name && !s.invalid)?.intervalMs;
      if (intervalMs === undefined) break;
      await waker.sleep(jittered(intervalMs), stop);
      if (stop.aborted) break;
      if (!registry.sources().some((s) => s.name === name && !s.invalid)) break;
      const before = context.sources.cached(name)?.revision;
      try {
        const got = await context.sources.revision(name, { signal: hard });
        if (before !== undefined && got.revision !== before) wakeSource(name);
      } catch (err) {
        if (hard.aborted) break;
        log.warn(errorMessage(err), { source: name });
      }
    }
  };

  // A parent as read: a new reconcile request or a change of suspension wakes its sync.
  const seen = (v: ParentView): void => {
    if (!registry.sync(v.sync)) return;
    const before = views.get(v.sync);
    views.set(v.sync, v);
    const newRequest = v.requestedAt !== undefined && v.requestedAt !== handledRequest.get(v.sync) && v.requestedAt !== statuses.get(v.sync)?.lastHandledReconcileAt;
    if (newRequest || (before?.suspended ?? false) !== v.suspended) wakers.get(v.sync)?.wake();
  };

  // The parents' ConfigMaps watched: a `slipway reconcile` is noticed as it is written.
  const parentWatcher = async (): Promise<void> => {
    const stopWatch = new AbortController();
    const onStop = (): void => stopWatch.abort();
    stop.addEventListener("abort", onStop, { once: true });
    const handle = (obj: KubeObject): void => {
      const v = viewParent(obj);
      if (v) seen(v);
    };
    await runWatchLoop({
      client: context.client,
      path: `/api/v1/namespaces/${encodeURIComponent(context.store.namespace)}/configmaps`,
      apiVersion: "v1",
      kind: "ConfigMap",
      onList: (items) => items.forEach(handle),
      onEvent: (type, obj) => {
        if (type !== "DELETED") handle(obj);
      },
      log,
      signal: stopWatch.signal,
    });
    stop.removeEventListener("abort", onStop);
  };

  const parentPoller = async (): Promise<void> => {
    if (canWatch) return parentWatcher();
    const waker = createWaker();
    while (!stop.aborted) {
      try {
        for (const v of await context.store.list(hard)) seen(v);
      } catch (err) {
        if (hard.aborted) break;
        log.warn(`cannot read sync parents: ${errorMessage(err)}`);
      }
      await waker.sleep(options.pollIntervalMs ?? 2000, stop);
    }
  };

  const done = (async () => {
    try {
      const configured = new Set(config.syncs.map((s) => s.name));
      for (const v of await context.store.list(hard)) {
        if (!configured.has(v.sync) && !v.sync.includes("/")) {
          // Nothing is deleted for a sync that left the configuration: that needs a person.
          log.warn(`sync ${v.sync} is no longer configured; its objects and ${v.id} are left in place`, { sync: v.sync });
          continue;
        }
        views.set(v.sync, v);
        if (v.status) statuses.set(v.sync, v.status);
        // A request made while the agent was down is handled by the first run.
      }
    } catch (err) {
      log.warn(`cannot read sync parents: ${errorMessage(err)}`);
    }
    refresh();
    await parentPoller();
    // Loops started later (syncs defined in git) are in `running` too.
    for (let n = 0; n < running.length; n = running.length) await Promise.all(running.slice(n));
    await collector.settled();
    await Promise.all([...memberWatches.values()].map((w) => w.watch.close()));
  })();

  return {
    poke(source) {
      if (!context.sources.poke(source)) return false;
      forceSource.add(source);
      wakeSource(source);
      return true;
    },
    done,
    specs: () => ({ syncs: registry.syncs(), sources: registry.sources() }),
  };
}

/**
 * Running every sync: `--once` reconciles each sync one time in dependency order; the daemon
 * runs one loop per sync (interval with jitter, backoff on failure, woken early by a webhook, a
 * new revision, a `slipway reconcile` request or a dependency becoming Ready), one poller per
 * source, and a poller of the parents' annotations. A failing sync never stops the others.
 * Stopping (`stop` aborted) lets the reconcile in progress finish; `hard` aborts it.
 */
import { errorMessage } from "../../core/errors.ts";
import type { AgentConfig, SyncConfig } from "../config/agent-config.ts";
import type { SyncStatus } from "../status/sync-status.ts";
import { nextStatus } from "../status/sync-status.ts";
import type { ParentView } from "../status/status-store.ts";
import { dependencyOrder } from "./dependency-order.ts";
import { nextRunDelay, jittered } from "./schedule.ts";
import { createWaker, type Waker } from "./wake-signal.ts";
import { reconcileSync, type ReconcileContext } from "./reconcile-sync.ts";

/** Options for the loops. */
export interface AgentLoopOptions {
  config: AgentConfig;
  /** Everything a reconcile needs, except `statusOf`, which the loop provides. */
  context: Omit<ReconcileContext, "statusOf">;
  /** Stop starting new work. */
  stop: AbortSignal;
  /** Abort work in progress. */
  hard: AbortSignal;
  /** How often parents are read for reconcile requests and suspension. Default 2000 ms. */
  pollIntervalMs?: number;
}

/** The running daemon's controls (for the HTTP hook and readiness). */
export interface AgentLoop {
  /** Marks `source` stale and wakes its syncs; false when unknown. */
  poke(source: string): boolean;
  /** Resolves when every loop has ended (after `stop`). */
  done: Promise<void>;
}

/** Reconciles every sync once, dependencies first; returns the names of the syncs that failed. */
export async function runOnce(options: AgentLoopOptions): Promise<string[]> {
  const { config, context } = options;
  const statuses = new Map<string, SyncStatus>();
  for (const v of await context.store.list(options.hard).catch(() => [])) if (v.status) statuses.set(v.sync, v.status);
  const failed: string[] = [];
  for (const sync of dependencyOrder(config.syncs)) {
    if (options.stop.aborted) break;
    const view = await context.store.get(sync.name, options.hard).catch(() => undefined);
    if (sync.suspend || view?.suspended) {
      context.log.info("suspended, skipped", { sync: sync.name });
      continue;
    }
    const out = await reconcileSync({ ...context, statusOf: (n) => statuses.get(n) }, sync, { previous: statuses.get(sync.name), signal: options.hard, ...(view?.requestedAt ? { requestedAt: view.requestedAt } : {}) });
    statuses.set(sync.name, out.status);
    if (!out.ok) failed.push(sync.name);
  }
  return failed;
}

/** Starts the daemon loops. */
export function startAgentLoop(options: AgentLoopOptions): AgentLoop {
  const { config, context, stop, hard } = options;
  const log = context.log;
  const statuses = new Map<string, SyncStatus>();
  const views = new Map<string, ParentView>();
  const wakers = new Map<string, Waker>(config.syncs.map((s) => [s.name, createWaker()]));
  const forceSource = new Set<string>();
  const handledRequest = new Map<string, string>();
  const ctx: ReconcileContext = { ...context, statusOf: (n) => statuses.get(n) };
  const wakeSource = (source: string): void => {
    for (const s of config.syncs) if (s.sourceRef === source) wakers.get(s.name)?.wake();
  };

  const syncLoop = async (sync: SyncConfig): Promise<void> => {
    const waker = wakers.get(sync.name) ?? createWaker();
    let failures = 0;
    // Spread the first runs a little so many syncs do not start in the same instant.
    await waker.sleep(Math.round(Math.random() * 500), stop);
    while (!stop.aborted) {
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
          const out = await reconcileSync(ctx, sync, { previous: statuses.get(sync.name), withSource, signal: hard, ...(requestedAt ? { requestedAt } : {}) });
          statuses.set(sync.name, out.status);
          failures = out.ok || out.dependencyNotReady ? 0 : failures + 1;
          delay = nextRunDelay(sync, failures, out.requeueMs);
          if (out.ok) for (const other of config.syncs) if (other.dependsOn.includes(sync.name)) wakers.get(other.name)?.wake();
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

  const sourceLoop = async (name: string, intervalMs: number): Promise<void> => {
    const waker = createWaker();
    while (!stop.aborted) {
      await waker.sleep(jittered(intervalMs), stop);
      if (stop.aborted) break;
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

  const parentPoller = async (): Promise<void> => {
    const waker = createWaker();
    const known = new Set(config.syncs.map((s) => s.name));
    while (!stop.aborted) {
      try {
        for (const v of await context.store.list(hard)) {
          if (!known.has(v.sync)) continue;
          const before = views.get(v.sync);
          views.set(v.sync, v);
          const newRequest = v.requestedAt !== undefined && v.requestedAt !== handledRequest.get(v.sync) && v.requestedAt !== statuses.get(v.sync)?.lastHandledReconcileAt;
          if (newRequest || (before?.suspended ?? false) !== v.suspended) wakers.get(v.sync)?.wake();
        }
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
        if (!configured.has(v.sync)) {
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
    await Promise.all([
      parentPoller(),
      ...config.sources.map((s) => sourceLoop(s.name, s.intervalMs)),
      ...config.syncs.map((s) => syncLoop(s)),
    ]);
  })();

  return {
    poke(source) {
      if (!context.sources.poke(source)) return false;
      forceSource.add(source);
      wakeSource(source);
      return true;
    },
    done,
  };
}

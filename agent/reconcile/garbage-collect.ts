/**
 * A sync that left git (its Kustomization was deleted from the build that defined it), handled as
 * Flux handles a deleted Kustomization: with `prune` on, every object of its set is deleted
 * (objects marked `prune: disabled` and Flux's own install excepted) and its parent ConfigMap
 * removed; with `prune` off, or while suspended, its objects stay and only the parent goes when
 * it had nothing. Only ever called for a removal a successful build of the definer decided.
 * A prune that fails is retried with backoff by {@link createCollector} (in the daemon), until it
 * succeeds, the sync comes back to git, or the agent stops, instead of waiting for the definer's
 * next success. The status ConfigMaps of sources the definer's build no longer defines go too, and
 * so does a HelmRelease's status once its sync is collected.
 */
import { errorMessage } from "../../core/errors.ts";
import { createSourceStatusStore } from "../status/source-status.ts";
import { backoffDelay } from "./schedule.ts";
import { createWaker } from "./wake-signal.ts";
import { parentRef } from "../applyset/applyset-parent.ts";
import { applySync } from "../sync/apply-sync.ts";
import { releaseOfKey } from "../helm/release-sync.ts";
import { removeReleaseStatus } from "../helm/release-status.ts";
import type { SyncSpec } from "../flux/sync-registry.ts";
import type { ReconcileContext } from "./reconcile-sync.ts";

/** What garbage collection needs of a sync that left git (its last recorded status has it). */
export type GoneSync = Pick<SyncSpec, "name" | "prune" | "suspend" | "timeoutMs">;

/**
 * The syncs whose recorded `definedBy` is `definer` but that the registry no longer has: they
 * left git with `definer`'s latest build (also across restarts of the agent).
 */
export async function orphansOf(ctx: Pick<ReconcileContext, "store">, definer: string, defined: (key: string) => boolean, signal: AbortSignal): Promise<GoneSync[]> {
  const views = await ctx.store.list(signal);
  return views
    .filter((v) => v.status?.definedBy === definer && !defined(v.sync))
    .map((v) => ({ name: v.sync, prune: v.status?.prune ?? false, suspend: v.suspended, timeoutMs: 120_000 }));
}

/** What one garbage collection did: `ok` false when the prune failed (the parent is kept for a retry). */
export interface CollectResult {
  ok: boolean;
  pruned: string[];
}

/** Prunes what `sync` applied and deletes its parent. Never throws (logs instead) unless `signal` aborts. */
export async function garbageCollect(ctx: Omit<ReconcileContext, "statusOf">, sync: GoneSync, signal: AbortSignal): Promise<CollectResult> {
  const log = ctx.log.with({ sync: sync.name });
  const view = await ctx.store.get(sync.name, signal).catch(() => undefined);
  if (!view) return { ok: true, pruned: [] };
  if (sync.suspend || view.suspended) {
    log.info("left git while suspended: its objects and parent are left as they are");
    return { ok: true, pruned: [] };
  }
  if (!sync.prune) {
    log.info(`left git; prune is off, so its objects stay (delete ${view.id} by hand when done)`);
    return { ok: true, pruned: [] };
  }
  const out = await applySync({
    client: ctx.client,
    sync: sync.name,
    agentNamespace: ctx.agentNamespace,
    objects: [],
    prune: true,
    wait: false,
    force: false,
    allowEmpty: true,
    timeoutMs: sync.timeoutMs,
    signal,
    log,
  });
  if (!out.ok) {
    log.error(`left git, but pruning its objects failed (kept for the next try): ${out.errors.map((e) => e.message).join("; ")}`);
    return { ok: false, pruned: out.pruned };
  }
  const ref = parentRef(sync.name, ctx.agentNamespace);
  try {
    await ctx.client.request({ method: "DELETE", path: `/api/v1/namespaces/${encodeURIComponent(ref.namespace)}/configmaps/${encodeURIComponent(ref.name)}`, allowNotFound: true, signal });
  } catch (err) {
    log.error(`cannot delete ${view.id}: ${errorMessage(err)}`);
  }
  const release = releaseOfKey(sync.name);
  if (release) await removeReleaseStatus(ctx.client, ctx.agentNamespace, release.namespace, release.name, signal).catch((err: unknown) => log.error(`cannot delete the release's status: ${errorMessage(err)}`));
  log.info(`left git: ${out.pruned.length} objects pruned${out.pruned.length ? ` (${out.pruned.join(", ")})` : ""}, ${view.id} deleted`);
  return { ok: true, pruned: out.pruned };
}

/** What the collector asks of the registry. */
export interface CollectorRegistry {
  /** Whether a sync of that key is defined now. */
  hasSync(key: string): boolean;
  /** Whether a source of that key is defined now. */
  hasSource(key: string): boolean;
}

/** Options for {@link createCollector}. */
export interface CollectorOptions {
  /** Retry failed prunes with backoff until `stop` (the daemon); false runs each collection once (`--once`). */
  retry: boolean;
  /** First retry delay, doubled per further failure. Default 5 s. */
  retryBaseMs?: number;
  /** Longest retry delay. Default 5 min. */
  retryMaxMs?: number;
  /** Ends the retries (they stop sleeping at once). */
  stop: AbortSignal;
  /** Aborts work in flight. */
  hard: AbortSignal;
}

/** Garbage collection of what left git, with retries of failed prunes. */
export interface Collector {
  /** Collects what `definer`'s latest (successful) build no longer defines: syncs and source statuses. */
  collect(definer: string): Promise<void>;
  /** Resolves once every retry has ended (after `stop`). */
  settled(): Promise<void>;
}

/** Creates the collector. */
export function createCollector(ctx: Omit<ReconcileContext, "statusOf">, registry: CollectorRegistry, options: CollectorOptions): Collector {
  const { stop, hard } = options;
  const retrying = new Map<string, Promise<void>>();
  const sourceStatus = createSourceStatusStore(ctx.client, ctx.agentNamespace);

  const retryLoop = async (gone: GoneSync): Promise<void> => {
    const waker = createWaker();
    for (let failures = 1; !stop.aborted; failures++) {
      const delay = backoffDelay(options.retryBaseMs ?? 5000, failures, options.retryMaxMs ?? 300_000);
      ctx.log.info(`retrying the prune of a sync that left git in ${Math.round(delay / 1000)}s`, { sync: gone.name, failures });
      await waker.sleep(delay, stop);
      if (stop.aborted || registry.hasSync(gone.name)) return;
      try {
        if ((await garbageCollect(ctx, gone, hard)).ok) return;
      } catch (err) {
        if (hard.aborted) return;
        ctx.log.error(`garbage collection failed unexpectedly: ${errorMessage(err)}`, { sync: gone.name });
      }
    }
  };

  return {
    async collect(definer) {
      for (const gone of await orphansOf(ctx, definer, (k) => registry.hasSync(k), hard)) {
        // A retry already running owns this one.
        if (retrying.has(gone.name)) continue;
        const out = await garbageCollect(ctx, gone, hard);
        if (out.ok || !options.retry) continue;
        const p = retryLoop(gone).finally(() => retrying.delete(gone.name));
        retrying.set(gone.name, p);
      }
      try {
        for (const v of await sourceStatus.list(hard)) {
          if (v.status.definedBy === definer && !registry.hasSource(v.source)) await sourceStatus.remove(v.source, hard);
        }
      } catch (err) {
        if (hard.aborted) throw err;
        ctx.log.warn(`cannot remove the status of sources that left git: ${errorMessage(err)}`, { sync: definer });
      }
    },
    async settled() {
      while (retrying.size > 0) await Promise.all(retrying.values());
    },
  };
}

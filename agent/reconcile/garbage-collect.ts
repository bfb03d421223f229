/**
 * A sync that left git (its Kustomization was deleted from the build that defined it), handled as
 * Flux handles a deleted Kustomization: with `prune` on, every object of its set is deleted
 * (objects marked `prune: disabled` and Flux's own install excepted) and its parent ConfigMap
 * removed; with `prune` off, or while suspended, its objects stay and only the parent goes when
 * it had nothing. Only ever called for a removal a successful build of the definer decided.
 */
import { errorMessage } from "../../core/errors.ts";
import { parentRef } from "../applyset/applyset-parent.ts";
import { applySync } from "../sync/apply-sync.ts";
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

/** Prunes what `sync` applied and deletes its parent; returns the ids deleted. Never throws (logs instead) unless `signal` aborts. */
export async function garbageCollect(ctx: Omit<ReconcileContext, "statusOf">, sync: GoneSync, signal: AbortSignal): Promise<string[]> {
  const log = ctx.log.with({ sync: sync.name });
  const view = await ctx.store.get(sync.name, signal).catch(() => undefined);
  if (!view) return [];
  if (sync.suspend || view.suspended) {
    log.info("left git while suspended: its objects and parent are left as they are");
    return [];
  }
  if (!sync.prune) {
    log.info(`left git; prune is off, so its objects stay (delete ${view.id} by hand when done)`);
    return [];
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
    return out.pruned;
  }
  const ref = parentRef(sync.name, ctx.agentNamespace);
  try {
    await ctx.client.request({ method: "DELETE", path: `/api/v1/namespaces/${encodeURIComponent(ref.namespace)}/configmaps/${encodeURIComponent(ref.name)}`, allowNotFound: true, signal });
  } catch (err) {
    log.error(`cannot delete ${view.id}: ${errorMessage(err)}`);
  }
  log.info(`left git: ${out.pruned.length} objects pruned${out.pruned.length ? ` (${out.pruned.join(", ")})` : ""}, ${view.id} deleted`);
  return out.pruned;
}

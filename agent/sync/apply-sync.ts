/**
 * One apply of a sync's build — the entry point the agent runtime calls: validate the build,
 * check the sync's ApplySet parent, record the union of old and new members on it, apply in
 * stages, prune what left the build (only when every apply succeeded), record the exact set, and
 * wait for health. The applying, pruning and waiting are the apply engine's
 * (agent/apply/resource-manager.ts); this file is the sync's order of steps and its ApplySet. Never throws for a problem with the build or the cluster: problems are
 * returned in `errors`, each naming its object.
 */
import { SlipwayError } from "../../core/errors.ts";
import { applySetPartOfLabel } from "../../core/well-known.ts";
import { describeError } from "../kube/kube-api-error.ts";
import type { Logger } from "../../core/log.ts";
import type { ChangeSetEntry } from "../apply/change-set.ts";
import { summarize } from "../apply/change-set.ts";
import { ResourceManager } from "../apply/resource-manager.ts";
import type { AppliedState } from "../apply/applied-state.ts";
import { parentId, parentRef, readParent, recordOf, sameRecord, unionRecords, withPartOf, type SetRecord } from "../applyset/applyset-parent.ts";
import { getParent, parentHolds, writeParent } from "../applyset/applyset-store.ts";
import type { KubeClient } from "../kube/kube-client.ts";
import { objectId, type KubeObject } from "../kube/kube-object.ts";
import type { SyncError, SyncOutcome } from "./sync-outcome.ts";
import { validateObjects } from "./validate-objects.ts";
import { checkNamespaceScope } from "./namespace-scope.ts";

/** Options for {@link applySync}. */
export interface ApplySyncOptions {
  /** Applies, reads and prunes the objects (impersonating the sync's serviceAccountName, when set). */
  client: KubeClient;
  /** Reads and writes the ApplySet parent: the agent's own identity. Default `client`. */
  inventoryClient?: KubeClient;
  /** The sync's name; its ApplySet parent is the ConfigMap `slipway-<sync>`. */
  sync: string;
  /** Namespace of the ApplySet parent. Default the agent's default namespace (`defaultAgentNamespace`, core/well-known.ts). */
  agentNamespace?: string;
  /** The build output: parsed documents (validated here). */
  objects: readonly unknown[];
  /** Delete members that left the build. */
  prune: boolean;
  /** Wait for the applied objects to be healthy. */
  wait: boolean;
  /** Recreate objects whose immutable fields changed. */
  force: boolean;
  /** Allow a build with no objects to empty a set that has members. */
  allowEmpty: boolean;
  /** Time limit for the whole run (apply, prune, health), in ms. */
  timeoutMs: number;
  /** Namespace for namespaced objects that have none. Default `default`. */
  targetNamespace?: string;
  /** Namespaced mode: the only namespaces the build may touch (agent/sync/namespace-scope.ts). Default: unset (cluster-wide). */
  namespaces?: readonly string[];
  /** Objects applied at once within a stage. Default 4. */
  concurrency?: number;
  /**
   * What the sync's previous applies confirmed in sync (agent/apply/applied-state.ts), kept by the
   * caller between runs: objects unchanged on both sides are not dry-run. Default: every existing
   * object is dry-run.
   */
  applied?: AppliedState;
  signal: AbortSignal;
  log: Logger;
}

/** Applies one build output for a sync and reports what happened. */
export async function applySync(options: ApplySyncOptions): Promise<SyncOutcome> {
  const start = Date.now();
  const { client, log } = options;
  const inventoryClient = options.inventoryClient ?? client;
  const manager = new ResourceManager({ client, inventoryClient, concurrency: options.concurrency, log });
  const ref = parentRef(options.sync, options.agentNamespace);
  const id = parentId(ref);
  const parentSubject = `ConfigMap/${ref.namespace}/${ref.name}`;
  const timeout = AbortSignal.timeout(Math.max(1, options.timeoutMs));
  const signal = AbortSignal.any([options.signal, timeout]);
  const errors: SyncError[] = [];
  const changeSet: ChangeSetEntry[] = [];
  const pruned: string[] = [];
  let recorded: SetRecord = { groupKinds: [], namespaces: [] };
  let objects: KubeObject[] = [];
  const outcome = (extra: Partial<SyncOutcome> = {}): SyncOutcome => ({
    ok: errors.length === 0,
    changeSet,
    pruned,
    inventory: { id, parent: parentSubject, objects: objects.length, groupKinds: recorded.groupKinds, namespaces: recorded.namespaces },
    errors,
    durationMs: Date.now() - start,
    ...extra,
  });
  const fail = (phase: SyncError["phase"], subject: string, err: unknown): void => {
    const msg = timeout.aborted && !options.signal.aborted ? `timed out after ${Math.round(options.timeoutMs / 1000)}s: ${describeError(err)}` : describeError(err);
    errors.push({ phase, id: subject, message: msg.startsWith(subject) ? msg : `${subject}: ${msg}` });
  };

  // 1. Validate: nothing is applied unless every object is sound and every kind is known.
  try {
    const v = await validateObjects({ client, objects: options.objects, targetNamespace: options.targetNamespace, signal });
    const outside = checkNamespaceScope(v.objects, options.namespaces);
    if (v.errors.length > 0 || outside.length > 0) {
      errors.push(...v.errors, ...outside);
      return outcome();
    }
    objects = v.objects.map((o) => withPartOf(o, id));
  } catch (err) {
    fail("validate", "build", err);
    return outcome();
  }

  // 2. The parent: ours, with the id it should have; the empty-set guard.
  let old: SetRecord;
  try {
    const live = await getParent(inventoryClient, ref, signal);
    old = live ? readParent(live, ref) : { groupKinds: [], namespaces: [] };
    recorded = old;
    if (objects.length === 0 && old.groupKinds.length > 0 && !options.allowEmpty) {
      throw new SlipwayError(parentSubject, `the build produced no objects but the set has members (${old.groupKinds.join(", ")}); refusing to prune everything (allow an empty set to do this)`);
    }
    const desired = recordOf(objects, ref.namespace);
    recorded = unionRecords(old, desired);
    if (!parentHolds(live, ref, recorded)) await writeParent(inventoryClient, ref, recorded, signal);
  } catch (err) {
    fail("inventory", parentSubject, err);
    return outcome();
  }

  // 3. Apply, stage by stage.
  const applied = await manager.apply(objects, { force: options.force, memberSelector: `${applySetPartOfLabel}=${id}`, ...(options.applied ? { state: options.applied } : {}), signal });
  changeSet.push(...applied.entries);
  if (signal.aborted) {
    // Cut short: one error instead of one per object that never started.
    const why = timeout.aborted && !options.signal.aborted ? `timed out after ${Math.round(options.timeoutMs / 1000)}s` : `interrupted (${describeError(options.signal.reason)})`;
    errors.push({ phase: "apply", id: options.sync, message: `${options.sync}: apply ${why} after ${applied.entries.length} of ${objects.length} objects; nothing pruned` });
  } else {
    for (const f of applied.failures) errors.push({ phase: "apply", id: f.id, message: f.message.startsWith(f.id) ? f.message : `${f.id}: ${f.message}` });
  }
  if (errors.length > 0) {
    log.error(`apply failed, nothing pruned: ${errors.map((e) => e.message).join("; ")}`);
    return outcome();
  }

  // 4. Prune what left the build, then record the exact set.
  if (options.prune) {
    try {
      const p = await manager.prune({ id, record: recorded, keep: objects, ...(applied.listed ? { listed: applied.listed } : {}), signal });
      pruned.push(...p.deleted);
      changeSet.push(...p.deleted.map((d) => ({ id: d, action: "deleted" as const })));
      for (const f of p.failures) errors.push({ phase: "prune", id: f.id, message: f.message.startsWith(f.id) ? f.message : `${f.id}: ${f.message}` });
      if (p.failures.length === 0) {
        // Protected objects stay labelled as members: keep their group-kinds and namespaces recorded.
        const survivors = recordOf(objects, ref.namespace);
        const exact = p.protected.length > 0 ? unionRecords(survivors, old) : survivors;
        // The parent holds `recorded` now: written again only when the exact set is smaller.
        if (!sameRecord(ref, exact, recorded)) await writeParent(inventoryClient, ref, exact, signal);
        recorded = exact;
      }
    } catch (err) {
      fail("prune", parentSubject, err);
    }
  }
  log.info(`applied: ${summarize(changeSet)}`, { sync: options.sync });
  if (errors.length > 0 || !options.wait) return outcome();

  // 5. Health of what was applied (skipped objects are not ours to judge).
  const skipped = new Set(changeSet.filter((e) => e.action === "skipped").map((e) => e.id));
  try {
    const health = await manager.wait(
      objects.filter((o) => !skipped.has(objectId(o))),
      { timeoutMs: Math.max(0, options.timeoutMs - (Date.now() - start)), signal: options.signal },
    );
    if (!health.healthy) {
      // One error per object that is to blame: the Failed ones, else every one still not Current.
      const failed = health.objects.filter((o) => o.status === "Failed");
      const blamed = failed.length > 0 ? failed : health.objects.filter((o) => o.status !== "Current");
      const suffix = failed.length > 0 ? "" : ` (health check timed out after ${Math.round(health.durationMs / 1000)}s)`;
      for (const o of blamed) errors.push({ phase: "health", id: o.id, message: `${o.id}: ${o.message}${suffix}` });
    }
    return outcome({ health });
  } catch (err) {
    fail("health", options.sync, err);
    return outcome();
  }
}

/**
 * A sync's status as the agent records it in its ApplySet parent's `data.status` (JSON): the
 * Ready condition with a reason and a message, the last applied and attempted revisions, what the
 * last apply changed, and the last reconcile request handled. Pure.
 */

/** Why a sync is (not) Ready, in Flux's words. */
export type ReadyReason =
  | "ArtifactFailed"
  | "BuildFailed"
  | "ReconciliationFailed"
  | "PruneFailed"
  | "HealthCheckFailed"
  | "DependencyNotReady"
  | "Progressing"
  | "Suspended"
  | "ReconciliationSucceeded";

/** The recorded status of one sync. */
export interface SyncStatus {
  /** `True` when the last reconcile succeeded, `False` when it failed, `Unknown` while progressing. */
  ready: "True" | "False" | "Unknown";
  reason: ReadyReason;
  /** `Applied revision: eks@sha1:…` on success; on failure the error, naming the file or object. */
  message: string;
  /** When `ready` last changed, ISO time. */
  lastTransitionTime: string;
  /** Revision of the last successful apply. */
  lastAppliedRevision?: string;
  /** Revision of the last attempt, successful or not. */
  lastAttemptedRevision?: string;
  /** Source of the revisions (a source name), for dependsOn checks. */
  source?: string;
  /** Objects in the set after the last apply. */
  objects?: number;
  /** Summary of the last change set: `2 created, 1 configured, 5 unchanged`. */
  lastChangeSet?: string;
  /** Duration of the last reconcile, in ms. */
  lastDurationMs?: number;
  /** When the last reconcile finished, ISO time. */
  lastReconcileTime?: string;
  /** The `slipway.dev/reconcile-requested-at` value the last reconcile handled. */
  lastHandledReconcileAt?: string;
  /** Whether the sync is suspended (configuration or `slipway suspend`). */
  suspended?: boolean;
  /** For a sync defined in git: the key of the sync whose build defines it, and its prune setting (to garbage-collect it once it leaves git). */
  definedBy?: string;
  prune?: boolean;
}

const reasons: readonly string[] = [
  "ArtifactFailed", "BuildFailed", "ReconciliationFailed", "PruneFailed", "HealthCheckFailed", "DependencyNotReady", "Progressing", "Suspended", "ReconciliationSucceeded",
];

/** Reads a recorded status; returns undefined for missing or unreadable text (it is rewritten on the next reconcile). */
export function parseStatus(text: string | undefined): SyncStatus | undefined {
  if (!text) return undefined;
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof v !== "object" || v === null) return undefined;
  const s = v as Record<string, unknown>;
  if (!["True", "False", "Unknown"].includes(String(s.ready)) || !reasons.includes(String(s.reason)) || typeof s.message !== "string") return undefined;
  return v as SyncStatus;
}

/** What a reconcile ended with, for {@link nextStatus}. */
export type ReconcileResult =
  | { kind: "succeeded"; revision: string; source: string; objects: number; changeSet: string; durationMs: number }
  | { kind: "failed"; reason: Exclude<ReadyReason, "ReconciliationSucceeded" | "Progressing" | "Suspended">; message: string; revision?: string; source: string; objects?: number; changeSet?: string; durationMs: number }
  | { kind: "progressing"; revision: string; source: string }
  | { kind: "suspended" };

/**
 * The status after `result`, keeping what the previous status knew (the last applied revision
 * survives failures). `now` is an ISO time; `handled` the reconcile request just handled, if any.
 */
export function nextStatus(prev: SyncStatus | undefined, result: ReconcileResult, now: string, handled?: string): SyncStatus {
  const base: SyncStatus = { ...(prev ?? { ready: "Unknown", reason: "Progressing", message: "", lastTransitionTime: now }) };
  const set = (ready: SyncStatus["ready"], reason: ReadyReason, message: string): void => {
    if (base.ready !== ready) base.lastTransitionTime = now;
    base.ready = ready;
    base.reason = reason;
    base.message = message;
  };
  switch (result.kind) {
    case "succeeded":
      set("True", "ReconciliationSucceeded", `Applied revision: ${result.revision}`);
      base.lastAppliedRevision = result.revision;
      base.lastAttemptedRevision = result.revision;
      base.source = result.source;
      base.objects = result.objects;
      base.lastChangeSet = result.changeSet;
      base.lastDurationMs = Math.round(result.durationMs);
      base.lastReconcileTime = now;
      base.suspended = false;
      break;
    case "failed":
      set("False", result.reason, result.message);
      if (result.revision) base.lastAttemptedRevision = result.revision;
      base.source = result.source;
      if (result.objects !== undefined) base.objects = result.objects;
      if (result.changeSet !== undefined) base.lastChangeSet = result.changeSet;
      base.lastDurationMs = Math.round(result.durationMs);
      base.lastReconcileTime = now;
      base.suspended = false;
      break;
    case "progressing":
      set("Unknown", "Progressing", `Reconciliation in progress: ${result.revision}`);
      base.lastAttemptedRevision = result.revision;
      base.source = result.source;
      break;
    case "suspended":
      // Suspension does not change Ready: the last result still describes the cluster.
      base.suspended = true;
      break;
  }
  if (handled !== undefined) base.lastHandledReconcileAt = handled;
  return base;
}

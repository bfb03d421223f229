/**
 * What one apply of a sync's build did, as the agent runtime records it (status, Events, metrics).
 */
import type { ChangeSetEntry } from "../apply/change-set.ts";
import type { HealthReport } from "../health/wait-healthy.ts";

/** Where in the apply a problem happened. */
export type SyncPhase = "validate" | "inventory" | "apply" | "prune" | "health";

/** One problem, naming the object (or the parent / group-kind) it is about. */
export interface SyncError {
  phase: SyncPhase;
  /** `Kind/ns/name`, the parent `ConfigMap/ns/name`, or a group-kind. */
  id: string;
  /** The full message, starting with `id`. */
  message: string;
}

/** The result of `applySync` (agent/sync/apply-sync.ts). */
export interface SyncOutcome {
  /** True when everything was applied, pruning (if on) finished and health (if waited for) passed. */
  ok: boolean;
  /** One line per object in apply order, then `deleted` lines for pruned objects. */
  changeSet: ChangeSetEntry[];
  /** Ids of pruned objects. */
  pruned: string[];
  /** Health of the applied objects, when `wait` was on and the apply succeeded. */
  health?: HealthReport;
  /** The ApplySet after this run: member count, group-kinds and namespaces recorded on the parent. */
  inventory: { id: string; parent: string; objects: number; groupKinds: string[]; namespaces: string[] };
  errors: SyncError[];
  durationMs: number;
}

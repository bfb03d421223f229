/**
 * Change sets: what one apply did to each object, in kubectl's words
 * (`Deployment/shop/account configured`).
 */

/** What happened to one object. */
export type ApplyAction = "created" | "configured" | "unchanged" | "skipped" | "deleted";

/** One line of a change set. */
export interface ChangeSetEntry {
  /** `Kind/namespace/name` or `Kind/name`. */
  id: string;
  action: ApplyAction;
}

/** Formats an entry as kubectl prints it: `Deployment/shop/account configured`. */
export function formatEntry(entry: ChangeSetEntry): string {
  return `${entry.id} ${entry.action}`;
}

/** Counts entries by action, e.g. `{ created: 2, unchanged: 5 }` (actions with no entry are left out). */
export function countActions(entries: readonly ChangeSetEntry[]): Partial<Record<ApplyAction, number>> {
  const out: Partial<Record<ApplyAction, number>> = {};
  for (const e of entries) out[e.action] = (out[e.action] ?? 0) + 1;
  return out;
}

/** A one-line summary such as `2 created, 1 configured, 5 unchanged` (`no changes` when nothing changed). */
export function summarize(entries: readonly ChangeSetEntry[]): string {
  const counts = countActions(entries);
  const order: ApplyAction[] = ["created", "configured", "deleted", "unchanged", "skipped"];
  const parts = order.filter((a) => counts[a]).map((a) => `${counts[a]} ${a}`);
  return parts.length > 0 ? parts.join(", ") : "no changes";
}

/** Whether a {@link summarize} summary counts any write (created, configured or deleted). Pure. */
export function summaryWrote(summary: string): boolean {
  return /\b\d+ (created|configured|deleted)\b/.test(summary);
}

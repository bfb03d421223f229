/**
 * The outcome of a health check of one object, after kstatus: Current (ready), InProgress
 * (still converging), Failed (will not converge without a change), Terminating, NotFound.
 */
import type { KubeObject } from "../kube/kube-object.ts";

/** kstatus's status words. */
export type HealthStatus = "Current" | "InProgress" | "Failed" | "Terminating" | "NotFound";

/** A status and a message for people, in `kubectl rollout status` words where one exists. */
export interface HealthResult {
  status: HealthStatus;
  message: string;
}

/** A per-kind rule: returns a result, or undefined to fall through to the generic rules. */
export type KindRule = (obj: KubeObject) => HealthResult | undefined;

/** A condition as found in `status.conditions`. */
export interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

/** The object's `status` as a record (empty when absent). */
export function statusOf(obj: KubeObject): Record<string, unknown> {
  const s = obj.status;
  return typeof s === "object" && s !== null ? (s as Record<string, unknown>) : {};
}

/** The object's `spec` as a record (empty when absent). */
export function specOf(obj: KubeObject): Record<string, unknown> {
  const s = obj.spec;
  return typeof s === "object" && s !== null ? (s as Record<string, unknown>) : {};
}

/** The condition of `type` in `status.conditions`, if any. */
export function condition(obj: KubeObject, type: string): Condition | undefined {
  const list = statusOf(obj).conditions;
  if (!Array.isArray(list)) return undefined;
  return (list as Condition[]).find((c) => c && c.type === type);
}

/** A number field (`status.readyReplicas`), or `fallback` when absent or not a number. */
export function num(record: Record<string, unknown>, key: string, fallback = 0): number {
  const v = record[key];
  return typeof v === "number" ? v : fallback;
}

/** Shorthands for results. */
export const current = (message: string): HealthResult => ({ status: "Current", message });
/** An InProgress result. */
export const inProgress = (message: string): HealthResult => ({ status: "InProgress", message });
/** A Failed result. */
export const failed = (message: string): HealthResult => ({ status: "Failed", message });

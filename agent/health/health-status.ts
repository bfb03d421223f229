/**
 * The outcome of a health check of one object, after kstatus: Current (ready), InProgress
 * (still converging), Failed (will not converge without a change), Terminating, NotFound; and,
 * as Argo CD reports it, Suspended for a paused Deployment (it will not converge until resumed,
 * which is not a failure: it is reported instead of waited on).
 */
import type { KubeObject } from "../kube/kube-object.ts";

/** kstatus's status words. */
export type HealthStatus = "Current" | "InProgress" | "Failed" | "Terminating" | "NotFound" | "Suspended";

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

/** `status.conditions` in order (kstatus reads them in order; the first that decides wins). */
export function conditions(obj: KubeObject): Condition[] {
  const list = statusOf(obj).conditions;
  if (!Array.isArray(list)) return [];
  return (list as unknown[]).filter((c): c is Condition => typeof c === "object" && c !== null).map((c) => ({
    ...c,
    type: typeof c.type === "string" ? c.type : "",
    status: typeof c.status === "string" ? c.status : "",
  }));
}

/** The first condition of `type` in `status.conditions`, if any. */
export function condition(obj: KubeObject, type: string): Condition | undefined {
  return conditions(obj).find((c) => c.type === type);
}

/** The first condition of `type` with `status`, as kstatus looks them up. */
export function conditionWith(obj: KubeObject, type: string, status: string): Condition | undefined {
  return conditions(obj).find((c) => c.type === type && c.status === status);
}

/**
 * An integer field at `path` (`["spec", "replicas"]`), or `fallback` when absent or not an
 * integer, as kstatus' GetIntField reads it (a float or a string is ignored).
 */
export function intAt(obj: unknown, path: readonly string[], fallback: number): number {
  let v: unknown = obj;
  for (const key of path) {
    if (typeof v !== "object" || v === null || Array.isArray(v)) return fallback;
    v = (v as Record<string, unknown>)[key];
  }
  return typeof v === "number" && Number.isInteger(v) ? v : fallback;
}

/** A string field at `path`, or `fallback` when absent or not a string (kstatus' GetStringField). */
export function stringAt(obj: unknown, path: readonly string[], fallback: string): string {
  let v: unknown = obj;
  for (const key of path) {
    if (typeof v !== "object" || v === null || Array.isArray(v)) return fallback;
    v = (v as Record<string, unknown>)[key];
  }
  return typeof v === "string" ? v : fallback;
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
/** A Suspended result (a paused Deployment). */
export const suspended = (message: string): HealthResult => ({ status: "Suspended", message });

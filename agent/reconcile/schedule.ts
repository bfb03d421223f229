/**
 * When a sync runs next: its interval with ±5 % jitter after a success (so many syncs do not
 * hit the API server in step), exponential backoff from `retryInterval` after failures. Pure.
 */

/** Jitter applied to intervals: ±5 %. */
export const jitterFraction = 0.05;

/** `ms` moved by up to ±`fraction` at random (`random` returns [0, 1)). */
export function jittered(ms: number, random: () => number = Math.random, fraction = jitterFraction): number {
  return Math.round(ms * (1 + (random() * 2 - 1) * fraction));
}

/**
 * The delay after `failures` consecutive failures (≥ 1): `retryIntervalMs`, doubled per further
 * failure, never more than `maxMs`.
 */
export function backoffDelay(retryIntervalMs: number, failures: number, maxMs: number): number {
  const exp = Math.min(30, Math.max(0, failures - 1));
  return Math.min(maxMs, retryIntervalMs * 2 ** exp);
}

/** The timing settings of one sync. */
export interface ScheduleSettings {
  intervalMs: number;
  retryIntervalMs: number;
}

/**
 * The delay before the next run: after a success the interval, after failures the backoff (up
 * to the larger of interval and retry interval), or an explicit requeue; all jittered.
 */
export function nextRunDelay(s: ScheduleSettings, failures: number, requeueMs?: number, random: () => number = Math.random): number {
  if (requeueMs !== undefined) return jittered(requeueMs, random);
  if (failures === 0) return jittered(s.intervalMs, random);
  return jittered(backoffDelay(s.retryIntervalMs, failures, Math.max(s.intervalMs, s.retryIntervalMs)), random);
}

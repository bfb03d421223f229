/**
 * The one poll loop: call a check until it yields a value, the timeout passes, or the signal
 * aborts. The check always runs at least once; between checks it sleeps `intervalMs`, never past
 * the deadline, so a timeout is observed by one last check at the deadline rather than a sleep
 * beyond it.
 */
import { throwIfAborted } from "./errors.ts";
import { sleep } from "./retry.ts";

/** Options for {@link pollUntil}. */
export interface PollOptions {
  /** Pause between two checks, in ms. */
  intervalMs: number;
  /** How long to keep checking, in ms, measured from the first check. */
  timeoutMs: number;
  /** Aborts the wait (the returned promise rejects with the signal's reason). */
  signal?: AbortSignal;
  /** Clock, for tests. Default Date.now. */
  now?: () => number;
}

/**
 * Calls `check` until it returns something other than `undefined`, and returns that. Returns
 * `undefined` when `timeoutMs` passes first: the caller, which saw every observation, words the
 * timeout error. Errors thrown by `check` propagate at once.
 */
export async function pollUntil<T>(check: (attempt: number) => T | undefined | Promise<T | undefined>, options: PollOptions): Promise<T | undefined> {
  const now = options.now ?? Date.now;
  const start = now();
  for (let attempt = 1; ; attempt++) {
    throwIfAborted(options.signal);
    const value = await check(attempt);
    if (value !== undefined) return value;
    const remaining = options.timeoutMs - (now() - start);
    if (remaining <= 0) return undefined;
    await sleep(Math.min(options.intervalMs, remaining), options.signal);
  }
}

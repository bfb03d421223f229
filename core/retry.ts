/**
 * The one retry helper: bounded attempts with jittered exponential backoff, abortable.
 */
import { throwIfAborted } from "./errors.ts";

/** Options for {@link retry}. */
export interface RetryOptions {
  /** Total attempts, the first included. Default 5. */
  attempts?: number;
  /** Delay before the second attempt, in ms. Default 200. */
  baseDelayMs?: number;
  /** Upper bound of one delay, in ms. Default 5000. */
  maxDelayMs?: number;
  /** Whether an error is worth another attempt. Default: every error is. */
  retryable?: (err: unknown) => boolean;
  /**
   * Whether to start the next attempt at once, without a delay, after this error of this attempt
   * (1-based); the backoff then starts at {@link baseDelayMs} with the next delayed retry.
   * Default: never.
   */
  immediate?: (err: unknown, attempt: number) => boolean;
  /** Called before each wait (a delay of 0 for an immediate retry), with the attempt that failed (1-based) and its error. */
  onRetry?: (attempt: number, err: unknown, delayMs: number) => void;
  /** Cancels waiting and further attempts. */
  signal?: AbortSignal;
  /** Random source in [0,1), for tests. Default Math.random. */
  random?: () => number;
}

/**
 * Runs `fn` until it succeeds or the attempts run out; rethrows the last error. Delays double
 * with each delayed retry; immediate retries do not count.
 */
export async function retry<T>(fn: (attempt: number) => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const attempts = options.attempts ?? 5;
  const base = options.baseDelayMs ?? 200;
  const max = options.maxDelayMs ?? 5000;
  const random = options.random ?? Math.random;
  let delayed = 0;
  for (let attempt = 1; ; attempt++) {
    throwIfAborted(options.signal);
    try {
      return await fn(attempt);
    } catch (err) {
      if (attempt >= attempts || (options.retryable && !options.retryable(err))) throw err;
      if (options.immediate?.(err, attempt)) {
        options.onRetry?.(attempt, err, 0);
        continue;
      }
      // Full jitter: a random delay in [0, min(max, base * 2^n)], n the delayed retries before.
      const delay = Math.round(random() * Math.min(max, base * 2 ** delayed++));
      options.onRetry?.(attempt, err, delay);
      await sleep(delay, options.signal);
    }
  }
}

/** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

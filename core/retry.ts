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
  /** Called before each wait, with the attempt that failed (1-based) and its error. */
  onRetry?: (attempt: number, err: unknown, delayMs: number) => void;
  /** Cancels waiting and further attempts. */
  signal?: AbortSignal;
  /** Random source in [0,1), for tests. Default Math.random. */
  random?: () => number;
}

/** Runs `fn` until it succeeds or the attempts run out; rethrows the last error. */
export async function retry<T>(fn: (attempt: number) => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const attempts = options.attempts ?? 5;
  const base = options.baseDelayMs ?? 200;
  const max = options.maxDelayMs ?? 5000;
  const random = options.random ?? Math.random;
  for (let attempt = 1; ; attempt++) {
    throwIfAborted(options.signal);
    try {
      return await fn(attempt);
    } catch (err) {
      if (attempt >= attempts || (options.retryable && !options.retryable(err))) throw err;
      // Full jitter: a random delay in [0, min(max, base * 2^(attempt-1))].
      const delay = Math.round(random() * Math.min(max, base * 2 ** (attempt - 1)));
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

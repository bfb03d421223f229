/**
 * Bounded concurrency: at most N tasks run at once, the rest wait in arrival order.
 */
import { throwIfAborted } from "../../core/errors.ts";

/** Runs functions with at most `limit` of them in flight. */
export type Limiter = <T>(fn: () => Promise<T>) => Promise<T>;

/** Creates a {@link Limiter} that lets `limit` (≥ 1) tasks run at once. */
export function createLimiter(limit: number): Limiter {
  const max = Math.max(1, Math.floor(limit));
  let active = 0;
  const queue: (() => void)[] = [];
  const release = (): void => {
    active--;
    const next = queue.shift();
    if (next) {
      active++;
      next();
    }
  };
  return async <T>(fn: () => Promise<T>): Promise<T> => {
    if (active >= max) await new Promise<void>((resolve) => queue.push(resolve));
    else active++;
    try {
      return await fn();
    } finally {
      release();
    }
  };
}

/**
 * Maps `items` through `fn` with at most `limit` calls in flight and returns the results in
 * input order. Every item is attempted; a failure is returned as `{ error }`, never thrown, so
 * one bad object does not hide the outcome of the others. Stops starting new items on abort.
 */
export async function mapSettled<I, O>(
  items: readonly I[],
  limit: number,
  fn: (item: I, index: number) => Promise<O>,
  signal?: AbortSignal,
): Promise<({ ok: true; value: O } | { ok: false; error: unknown })[]> {
  const results: ({ ok: true; value: O } | { ok: false; error: unknown })[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (;;) {
      const i = next++;
      if (i >= items.length) return;
      try {
        throwIfAborted(signal);
        results[i] = { ok: true, value: await fn(items[i] as I, i) };
      } catch (error) {
        results[i] = { ok: false, error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, limit), items.length) }, worker));
  return results;
}

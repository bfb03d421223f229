/**
 * A sleep that can be cut short: a sync's loop waits for its next run, and a webhook, a
 * `slipway reconcile` request or a dependency becoming Ready wakes it early.
 */

/** A wakeable sleeper. */
export interface Waker {
  /** Resolves after `ms`, when woken, or when `signal` aborts (never rejects). Returns true when woken. */
  sleep(ms: number, signal: AbortSignal): Promise<boolean>;
  /** Ends the current sleep, or makes the next one return at once. */
  wake(): void;
}

/** Creates a waker. */
export function createWaker(): Waker {
  let pending = false;
  let current: (() => void) | undefined;
  return {
    sleep(ms, signal) {
      if (pending) {
        pending = false;
        return Promise.resolve(true);
      }
      if (signal.aborted) return Promise.resolve(false);
      return new Promise<boolean>((resolve) => {
        const done = (woken: boolean): void => {
          clearTimeout(timer);
          signal.removeEventListener("abort", onAbort);
          current = undefined;
          resolve(woken);
        };
        const onAbort = (): void => done(false);
        const timer = setTimeout(() => done(false), ms);
        current = () => done(true);
        signal.addEventListener("abort", onAbort, { once: true });
      });
    },
    wake() {
      if (current) current();
      else pending = true;
    },
  };
}

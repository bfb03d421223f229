// The one retry helper: attempts, which errors retry, immediate retries and the backoff after them.
import { test } from "node:test";
import assert from "node:assert/strict";
import { retry } from "../../core/retry.ts";

test("retries until success; the delays double with full jitter (random fixed at its top)", async () => {
  const delays: number[] = [];
  const result = await retry(
    async (attempt) => {
      if (attempt < 5) throw new Error(`attempt ${attempt}`);
      return attempt;
    },
    { attempts: 5, baseDelayMs: 1, maxDelayMs: 4, random: () => 0.999, onRetry: (_a, _e, d) => delays.push(d) },
  );
  assert.equal(result, 5);
  assert.deepEqual(delays, [1, 2, 4, 4]);
});

test("an error that is not retryable, or the last attempt's, is thrown", async () => {
  let calls = 0;
  await assert.rejects(retry(async () => (calls++, Promise.reject(new Error("fatal"))), { attempts: 5, retryable: () => false }), /fatal/);
  assert.equal(calls, 1);
  calls = 0;
  await assert.rejects(retry(async () => (calls++, Promise.reject(new Error("again"))), { attempts: 3, baseDelayMs: 0 }), /again/);
  assert.equal(calls, 3);
});

test("an immediate retry waits nothing, and the backoff after it starts at the base delay", async () => {
  const delays: [number, number][] = [];
  await retry(
    async (attempt) => {
      if (attempt < 4) throw new Error(attempt === 1 ? "moved" : "busy");
      return attempt;
    },
    {
      attempts: 4,
      baseDelayMs: 2,
      maxDelayMs: 100,
      random: () => 0.999,
      immediate: (err, attempt) => attempt === 1 && err instanceof Error && err.message === "moved",
      onRetry: (a, _e, d) => delays.push([a, d]),
    },
  );
  assert.deepEqual(delays, [
    [1, 0],
    [2, 2],
    [3, 4],
  ]);
});

test("an aborted signal stops before the next attempt", async () => {
  const ac = new AbortController();
  let calls = 0;
  await assert.rejects(
    retry(
      async () => {
        calls++;
        ac.abort(new Error("stopped"));
        throw new Error("first");
      },
      { attempts: 5, immediate: () => true, signal: ac.signal },
    ),
    /stopped/,
  );
  assert.equal(calls, 1);
});

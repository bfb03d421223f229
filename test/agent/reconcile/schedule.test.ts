import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { backoffDelay, jittered, nextRunDelay } from "../../../agent/reconcile/schedule.ts";
import { createWaker } from "../../../agent/reconcile/wake-signal.ts";

test("jitter stays within ±5 %", () => {
  assert.equal(jittered(60_000, () => 0), 57_000);
  assert.equal(jittered(60_000, () => 0.5), 60_000);
  assert.equal(jittered(60_000, () => 0.999999), 63_000);
  fc.assert(
    fc.property(fc.integer({ min: 1000, max: 86_400_000 }), fc.double({ min: 0, max: 0.9999999, noNaN: true }), (ms, r) => {
      const j = jittered(ms, () => r);
      return j >= ms * 0.95 - 1 && j <= ms * 1.05 + 1;
    }),
  );
});

test("backoff doubles from the retry interval up to the cap", () => {
  assert.deepEqual([1, 2, 3, 4, 5, 6].map((n) => backoffDelay(30_000, n, 300_000)), [30_000, 60_000, 120_000, 240_000, 300_000, 300_000]);
  assert.equal(backoffDelay(30_000, 1000, 300_000), 300_000, "no overflow after many failures");
});

test("next run: interval after success, backoff after failure, requeue when asked", () => {
  const s = { intervalMs: 600_000, retryIntervalMs: 60_000 };
  const mid = () => 0.5;
  assert.equal(nextRunDelay(s, 0, undefined, mid), 600_000);
  assert.equal(nextRunDelay(s, 1, undefined, mid), 60_000);
  assert.equal(nextRunDelay(s, 3, undefined, mid), 240_000);
  assert.equal(nextRunDelay(s, 10, undefined, mid), 600_000, "never longer than the interval");
  assert.equal(nextRunDelay(s, 2, 30_000, mid), 30_000);
});

test("a waker cuts a sleep short, remembers an early wake, and ends on abort", async () => {
  const w = createWaker();
  const ac = new AbortController();
  const start = Date.now();
  const sleeping = w.sleep(10_000, ac.signal);
  setTimeout(() => w.wake(), 20);
  assert.equal(await sleeping, true);
  assert.ok(Date.now() - start < 5000);
  w.wake();
  assert.equal(await w.sleep(10_000, ac.signal), true, "a wake before the sleep is not lost");
  assert.equal(await w.sleep(10, ac.signal), false, "a plain timeout is not a wake");
  const s2 = w.sleep(10_000, ac.signal);
  ac.abort();
  assert.equal(await s2, false);
});

import { test } from "node:test";
import assert from "node:assert/strict";
import { createLimiter, mapSettled } from "../../../agent/kube/limiter.ts";
import { sleep } from "../../../core/retry.ts";

test("createLimiter never runs more than the limit at once", async () => {
  const limit = createLimiter(3);
  let active = 0;
  let peak = 0;
  const results = await Promise.all(
    Array.from({ length: 20 }, (_, i) =>
      limit(async () => {
        active++;
        peak = Math.max(peak, active);
        await sleep(2);
        active--;
        return i;
      }),
    ),
  );
  assert.equal(peak, 3);
  assert.deepEqual(results, Array.from({ length: 20 }, (_, i) => i));
});

test("mapSettled keeps order and reports failures without throwing", async () => {
  const out = await mapSettled([1, 2, 3, 4], 2, async (n) => {
    if (n === 3) throw new Error("three");
    return n * 10;
  });
  assert.deepEqual(out.map((r) => (r.ok ? r.value : (r.error as Error).message)), [10, 20, "three", 40]);
});

test("mapSettled stops starting work once aborted", async () => {
  const ac = new AbortController();
  ac.abort(new Error("stop"));
  let calls = 0;
  const out = await mapSettled([1, 2], 1, async () => ++calls, ac.signal);
  assert.equal(calls, 0);
  assert.ok(out.every((r) => !r.ok));
});

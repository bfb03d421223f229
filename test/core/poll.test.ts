// The one poll loop: value, timeout, abort, errors, and never sleeping past the deadline.
import { test } from "node:test";
import assert from "node:assert/strict";
import { pollUntil } from "../../core/poll.ts";

test("returns the first value the check yields, checking at least once", async () => {
  let calls = 0;
  assert.equal(await pollUntil(() => (++calls === 3 ? "ready" : undefined), { intervalMs: 1, timeoutMs: 10_000 }), "ready");
  assert.equal(calls, 3);
  let once = 0;
  assert.equal(await pollUntil(() => (++once, undefined), { intervalMs: 1, timeoutMs: 0 }), undefined);
  assert.equal(once, 1);
});

test("returns undefined at the timeout, after a last check at the deadline (fake clock)", async () => {
  let clock = 0;
  const seen: number[] = [];
  const result = await pollUntil(
    () => {
      seen.push(clock);
      clock += 400; // each check takes 400 ms of fake time
      return undefined;
    },
    { intervalMs: 1, timeoutMs: 1000, now: () => clock },
  );
  assert.equal(result, undefined);
  assert.deepEqual(seen, [0, 400, 800]);
});

test("an error from the check propagates at once; an aborted signal rejects with its reason", async () => {
  await assert.rejects(pollUntil(() => Promise.reject(new Error("boom")), { intervalMs: 1, timeoutMs: 10_000 }), /boom/);
  const ac = new AbortController();
  const waiting = pollUntil(() => undefined, { intervalMs: 60_000, timeoutMs: 120_000, signal: ac.signal });
  ac.abort(new Error("stopped"));
  await assert.rejects(waiting, /stopped/);
});

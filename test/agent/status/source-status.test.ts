import { test } from "node:test";
import assert from "node:assert/strict";
import { nextSourceStatus, parseSourceStatus, sourceStatusName } from "../../../agent/status/source-status.ts";
import { parentRef } from "../../../agent/applyset/applyset-parent.ts";

const rev1 = "eks@sha1:" + "1".repeat(40);
const src = { url: "https://git.example/shop.git", ref: "branch eks" };

test("a source's status: Ready with the fetched revision; a failed fetch keeps the last good revision", () => {
  const ok = nextSourceStatus(undefined, src, { ok: true, revision: rev1, durationMs: 120.6 }, "t1");
  assert.deepEqual(ok, { ready: "True", reason: "Succeeded", message: `Fetched revision: ${rev1}`, revision: rev1, url: src.url, ref: "branch eks", lastFetchTime: "t1", lastTransitionTime: "t1", lastFetchDurationMs: 121 });
  const again = nextSourceStatus(ok, src, { ok: true, revision: rev1, durationMs: 30 }, "t2");
  assert.equal(again.lastFetchTime, "t2", "every fetch moves the fetch time");
  assert.equal(again.lastTransitionTime, "t1", "the transition time moves only when Ready changes");
  const failed = nextSourceStatus(again, src, { ok: false, error: "source shop: cannot fetch branch eks of https://git.example/shop.git", durationMs: 5 }, "t3");
  assert.equal(failed.ready, "False");
  assert.equal(failed.reason, "GitOperationFailed");
  assert.equal(failed.revision, rev1, "the last good revision is kept, as Flux keeps its artifact");
  assert.equal(failed.lastTransitionTime, "t3");
  const never = nextSourceStatus(undefined, src, { ok: false, error: "x", durationMs: 1 }, "t4");
  assert.equal(never.revision, undefined);
  assert.deepEqual(parseSourceStatus(JSON.stringify(failed)), failed);
  assert.equal(parseSourceStatus("{"), undefined);
  assert.equal(parseSourceStatus(JSON.stringify({ ready: "Maybe", message: "" })), undefined);
});

test("a source's ConfigMap never shares a name with a sync's parent, even for the same namespace/name", () => {
  assert.equal(sourceStatusName("flux-system/flux-system"), "slipway.source.flux-system.flux-system");
  assert.equal(sourceStatusName("manifests"), "slipway.source.manifests");
  for (const key of ["flux-system/flux-system", "manifests", "source/x", "source.x"]) assert.notEqual(sourceStatusName(key), parentRef(key, "ns").name);
});

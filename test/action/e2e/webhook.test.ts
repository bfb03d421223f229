// The CI step's poke against the agent's real receiver server (agent/receivers): the call is
// HMAC-signed, the revision arrives in the agent's `branch@sha1:<commit>` form, a wrong secret
// or an unknown receiver is an error naming webhook-url, and a call signed outside the time window is refused.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createLogger } from "../../../core/log.ts";
import { startReceiverServer } from "../../../agent/receivers/receiver-server.ts";
import { pokeWebhook } from "../../../action/webhook.ts";

test("pokeWebhook reaches the agent's slipway receiver signed; a wrong secret is refused by name", async (t) => {
  const hooks: [string, string | undefined][] = [];
  const server = await startReceiverServer({
    listen: "127.0.0.1:0",
    endpoints: [{ name: "manifests", type: "slipway", secretRef: { name: "hook" } }],
    secrets: new Map([["manifests", "hook-secret-77"]]),
    sources: () => [{ name: "manifests", branch: "eks" }, { name: "other", branch: "main" }],
    trigger: (source, revision) => {
      hooks.push([source, revision]);
      return true;
    },
    log: createLogger({ level: "error" }),
  });
  t.after(() => server.close());
  const commit = "0123456789abcdef0123456789abcdef01234567";
  const url = `http://127.0.0.1:${server.port}/hook/manifests`;
  assert.equal(await pokeWebhook({ url, secret: "hook-secret-77", branch: "eks", commit }), 202);
  assert.deepEqual(hooks, [["manifests", `eks@sha1:${commit}`]], "only the source following the pushed branch");
  await assert.rejects(pokeWebhook({ url, secret: "wrong-secret", branch: "eks", commit }), /^SlipwayError: input webhook-url: http:\/\/127\.0\.0\.1:\d+\/hook\/manifests answered 401/);
  await assert.rejects(pokeWebhook({ url, branch: "eks", commit }), /answered 401/);
  await assert.rejects(pokeWebhook({ url: `http://127.0.0.1:${server.port}/hook/nope`, secret: "hook-secret-77", branch: "eks", commit }), /answered 404/);
  // A call signed with a clock far from the agent's is refused.
  await assert.rejects(pokeWebhook({ url, secret: "hook-secret-77", branch: "eks", commit, now: () => Date.now() + 3_600_000 }), /answered 403/);
  assert.equal(hooks.length, 1, "nothing refused was triggered");
});

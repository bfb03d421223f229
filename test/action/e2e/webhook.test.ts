// The CI step's poke against the agent's real HTTP server (agent/server): the revision arrives
// in the agent's `branch@sha1:<commit>` form, the token is checked, and a refusal is an error
// naming webhook-url.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createLogger } from "../../../core/log.ts";
import { startAgentServer } from "../../../agent/server/agent-server.ts";
import { pokeWebhook } from "../../../action/webhook.ts";

test("pokeWebhook reaches the agent's hook with the revision; a wrong token is refused by name", async (t) => {
  const hooks: [string, string | undefined][] = [];
  const server = await startAgentServer({
    listen: "127.0.0.1:0",
    hookToken: "hook-secret-77",
    log: createLogger({ level: "error" }),
    handlers: {
      metrics: async () => ({ contentType: "text/plain", body: "" }),
      notReady: () => undefined,
      hook: (source, revision) => {
        hooks.push([source, revision]);
        return source === "manifests";
      },
    },
  });
  t.after(() => server.close());
  const commit = "0123456789abcdef0123456789abcdef01234567";
  const url = `http://127.0.0.1:${server.port}/hook/manifests`;
  assert.equal(await pokeWebhook({ url, token: "hook-secret-77", branch: "eks", commit }), 202);
  assert.deepEqual(hooks, [["manifests", `eks@sha1:${commit}`]]);
  await assert.rejects(pokeWebhook({ url, token: "wrong-token", branch: "eks", commit }), /^SlipwayError: input webhook-url: http:\/\/127\.0\.0\.1:\d+\/hook\/manifests answered 40[13]/);
  await assert.rejects(pokeWebhook({ url: `http://127.0.0.1:${server.port}/hook/nope`, token: "hook-secret-77", branch: "eks", commit }), /answered 404/);
  assert.equal(hooks.length, 2, "the unknown source was asked, the refused token was not");
});

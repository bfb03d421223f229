// Secret git configuration through GIT_CONFIG_* variables: numbered after the entries the
// environment already has, which real git then reads together.
import { test } from "node:test";
import assert from "node:assert/strict";
import { run } from "../../../core/exec.ts";
import { gitConfigEnv } from "../../../core/git/git-auth.ts";

test("entries are added after the environment's own GIT_CONFIG_COUNT, and git reads both", async () => {
  const base = { ...process.env, GIT_CONFIG_COUNT: "1", GIT_CONFIG_KEY_0: "http.proxy", GIT_CONFIG_VALUE_0: "http://proxy.example.invalid:3128" };
  const added = gitConfigEnv(base, { "http.https://git.example.com/.extraHeader": "Authorization: Basic eDp5" });
  assert.deepEqual(added, {
    GIT_CONFIG_COUNT: "2",
    GIT_CONFIG_KEY_1: "http.https://git.example.com/.extraHeader",
    GIT_CONFIG_VALUE_1: "Authorization: Basic eDp5",
  });
  const env = { ...base, ...added };
  assert.equal((await run("git", ["config", "--get", "http.proxy"], { env })).stdout.trim(), "http://proxy.example.invalid:3128");
  assert.equal((await run("git", ["config", "--get-urlmatch", "http.extraHeader", "https://git.example.com:443/shop/manifests.git"], { env })).stdout.trim(), "Authorization: Basic eDp5");
  const other = await run("git", ["config", "--get-urlmatch", "http.extraHeader", "https://evil.example.com/git.example.com/x.git"], { env, okCodes: [0, 1] });
  assert.equal(other.stdout.trim(), "", "another origin gets no header");
  assert.deepEqual(gitConfigEnv({}, undefined), {});
  assert.equal(gitConfigEnv({ GIT_CONFIG_COUNT: "junk" }, { a: "b" }).GIT_CONFIG_KEY_0, "a");
});

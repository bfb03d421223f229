/** `slipway reconcile`, `suspend`, `resume` and `get` when there is nothing to talk to (the running-agent cases are in test/agent/e2e/daemon.test.ts). */
import { test } from "node:test";
import assert from "node:assert/strict";
import { integration, createNamespace } from "../env/harness.ts";
import { runCli } from "./run-cli.ts";

test("an unknown sync is an error naming it; get on an empty namespace says so", async (t) => {
  const env = integration(t);
  if (!env) return;
  const ns = await createNamespace(env, t, "slipway-empty");
  for (const cmd of ["reconcile", "suspend", "resume"]) {
    const r = await runCli([cmd, "ghost", "-n", ns, "--kubeconfig", env.kubeconfig]);
    assert.equal(r.code, 1, `${cmd}: ${r.stderr}`);
    assert.match(r.stderr, new RegExp(`✗ sync ghost: not found \\(no ConfigMap/${ns}/slipway-ghost; has the agent run it yet\\?\\)`));
  }
  const g = await runCli(["get", "-n", ns, "--kubeconfig", env.kubeconfig]);
  assert.equal(g.code, 0);
  assert.equal(g.stdout, "");
  assert.match(g.stderr, new RegExp(`no syncs found in namespace ${ns}`));
  const u = await runCli(["reconcile"]);
  assert.equal(u.code, 2);
  assert.match(u.stderr, /NAME: give exactly one sync name/);
  const bad = await runCli(["reconcile", "x", "--timeout", "soon"]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--timeout soon: is not a duration/);
});

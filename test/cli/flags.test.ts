// The flag plumbing every command shares: duration flags, the cluster flags and their usage lines,
// and parse errors that name the command.
import { test } from "node:test";
import assert from "node:assert/strict";
import { clusterFlags, clusterFlagsUsage, durationFlag } from "../../cli/flags.ts";
import { runCli } from "./run-cli.ts";

test("duration flags take Go durations and refuse a bare number, saying to add a unit", () => {
  assert.equal(durationFlag("--timeout", "30s"), 30_000);
  assert.equal(durationFlag("--timeout", "5m"), 300_000);
  assert.equal(durationFlag("--timeout", "1h30m"), 5_400_000);
  assert.equal(durationFlag("--timeout", "500ms"), 500);
  assert.throws(() => durationFlag("--timeout", "300"), /^SlipwayError: --timeout 300: a duration needs a unit: 300s for seconds, 300m for minutes/);
  assert.throws(() => durationFlag("--timeout", "1.5"), /needs a unit: 1.5s/);
  assert.throws(() => durationFlag("--timeout", "0"), /--timeout 0: is not a duration such as 30s or 5m/);
  assert.throws(() => durationFlag("--timeout", "soon"), /--timeout soon: is not a duration/);
});

test("the cluster flags default the namespace to the agent's and print aligned usage lines", () => {
  assert.equal(clusterFlags.namespace.default, "slipway-system");
  assert.equal(clusterFlags.namespace.short, "n");
  assert.equal(clusterFlagsUsage(21), "  -n, --namespace NS   the agent's namespace (default slipway-system)\n  --kubeconfig FILE    default $KUBECONFIG or ~/.kube/config\n");
  assert.equal(clusterFlagsUsage(21, { namespace: false, kubeconfig: "x" }), "  --kubeconfig FILE    x\n");
});

test("every command with --timeout refuses a bare number before any work (exit 2)", async () => {
  const reconcile = await runCli(["reconcile", "x", "--timeout", "300"]);
  assert.equal(reconcile.code, 2);
  assert.match(reconcile.stderr, /✗ --timeout 300: a duration needs a unit/);
  const bootstrap = await runCli(["bootstrap", "--url", "https://example.com/r.git", "--timeout", "300"]);
  assert.equal(bootstrap.code, 2);
  assert.match(bootstrap.stderr, /✗ --timeout 300: a duration needs a unit/);
  assert.equal(bootstrap.stdout, "");
});

test("an unknown flag names the command it was given to", async () => {
  const r = await runCli(["get", "--nope"]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^✗ slipway get: Unknown option '--nope'/m);
});

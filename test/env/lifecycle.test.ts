// The lifecycle with real daemons in a scratch directory: a failing component is named with its
// command and log, and the components already started are stopped; up is idempotent; status
// reports health; down leaves no process.
import { test } from "node:test";
import type { TestContext } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Component, EnvContext } from "./component.ts";
import { createEnvContext } from "./component.ts";
import { daemonComponent } from "./daemon-component.ts";
import { down, status, up } from "./lifecycle.ts";
import type { LifecycleOutput } from "./lifecycle.ts";
import { processStartTicks } from "./processes.ts";

function scratch(t: TestContext): EnvContext {
  const root = mkdtempSync(path.join(tmpdir(), "slipway-lifecycle-"));
  const ctx = createEnvContext({ repoRoot: root, signal: AbortSignal.timeout(60_000), log: () => undefined, cacheDir: path.join(root, "cache") });
  t.after(async () => {
    await down(ctx, [], { say: () => undefined, print: () => undefined, quiet: true });
    rmSync(root, { recursive: true, force: true });
  });
  return ctx;
}

function capture(): LifecycleOutput & { lines: string[] } {
  const lines: string[] = [];
  return { lines, say: (l) => lines.push(l), print: (l) => lines.push(l), quiet: false };
}

/** A daemon that sleeps; ready as soon as it runs. */
function sleeper(name: string, env: Record<string, string> = {}): Component {
  return daemonComponent({
    name,
    prepare: async () => ({ command: "sleep", args: ["300"] }),
    ready: async () => true,
    env: () => env,
  });
}

/** A daemon that exits at once with an error. */
const broken = daemonComponent({
  name: "broken",
  dependsOn: ["first"],
  readyTimeoutMs: 5000,
  prepare: async () => ({ command: "sh", args: ["-c", "echo 'cannot bind 127.0.0.1:1' >&2; exit 3"] }),
  ready: async () => false,
});

test("a component that cannot start is named with its command and log; the others are stopped", async (t) => {
  const ctx = scratch(t);
  const out = capture();
  const first = sleeper("first");
  const code = await up(ctx, [first, broken, sleeper("never")], out);
  assert.equal(code, 1);
  const text = out.lines.join("\n");
  assert.match(text, /✗ broken did not start: .*the process exited/);
  assert.match(text, /command: sh -c 'echo/);
  const log = path.join(ctx.dir, "logs", "broken.log");
  assert.ok(text.includes(`log: ${log}`), text);
  assert.match(readFileSync(log, "utf8"), /cannot bind 127\.0\.0\.1:1/);
  assert.equal(ctx.processes.running("first"), undefined, "first was stopped");
  assert.ok(!text.includes("never"), "a component after the failure is not started");
  assert.equal(existsSync(path.join(ctx.dir, "env")), false);
});

test("up is idempotent, status reports health, down stops every process", async (t) => {
  const ctx = scratch(t);
  const list = [sleeper("a", { A_VAR: "x y'z" }), sleeper("b")];
  assert.equal(await up(ctx, list, capture()), 0);
  const a = ctx.processes.running("a");
  assert.ok(a);
  assert.match(readFileSync(path.join(ctx.dir, "env"), "utf8"), /^A_VAR='x y'\\''z'$/m);

  const again = capture();
  assert.equal(await up(ctx, list, again), 0);
  assert.deepEqual(again.lines.slice(0, 2), ["✔ a (already running)", "✔ b (already running)"]);
  assert.equal(ctx.processes.running("a")?.pid, a.pid, "not restarted");

  const st = capture();
  assert.equal(await status(ctx, list, st), 0);
  assert.equal(st.lines.filter((l) => l.includes("healthy")).length, 2);

  assert.equal(await down(ctx, list, capture()), 0);
  assert.equal(processStartTicks(a.pid), undefined, "process a is gone");
  assert.equal(existsSync(path.join(ctx.dir, "env")), false);
  const after = capture();
  assert.equal(await status(ctx, list, after), 1);
  assert.match(after.lines.join("\n"), /✗ a\s+not running/);
});

test("restarting a component restarts the components that depend on it", async (t) => {
  const ctx = scratch(t);
  const base = sleeper("base");
  const dependent: Component = { ...sleeper("dependent"), dependsOn: ["base"] };
  assert.equal(await up(ctx, [base, dependent], capture()), 0);
  const before = ctx.processes.running("dependent")?.pid;
  await ctx.processes.stop("base");
  const out = capture();
  assert.equal(await up(ctx, [base, dependent], out), 0);
  assert.ok(out.lines.includes("► dependent: starting (a dependency restarted)"), out.lines.join("\n"));
  assert.notEqual(ctx.processes.running("dependent")?.pid, before);
});

// Daemons really start detached, are found again through their pidfile, and stop: SIGTERM
// first, SIGKILL when SIGTERM is ignored.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createProcessManager, formatCommandLine, pidsWithCommandLineContaining, processStartTicks, waitUntil } from "./processes.ts";

test("start, find, stop a daemon; its output goes to its log", async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), "slipway-processes-"));
  const pm = createProcessManager(dir);
  t.after(async () => {
    await pm.stop("stubborn", { graceMs: 100 });
    await pm.stop("echo");
    rmSync(dir, { recursive: true, force: true });
  });

  const rec = pm.start({ name: "echo", command: "sh", args: ["-c", "echo started $MARK; exec sleep 300"], env: { MARK: "m1" } });
  await waitUntil("echo log", async () => readFileSync(pm.logFile("echo"), "utf8").includes("started m1"), { timeoutMs: 5000 });
  assert.equal(pm.running("echo")?.pid, rec.pid);
  assert.equal(await pm.stop("echo"), true);
  assert.equal(processStartTicks(rec.pid), undefined);
  assert.equal(pm.running("echo"), undefined);
  assert.equal(await pm.stop("echo"), false, "stopping twice is harmless");

  const stubborn = pm.start({ name: "stubborn", command: "sh", args: ["-c", "trap '' TERM; echo ready; while :; do sleep 0.1; done"] });
  await waitUntil("stubborn log", async () => /^ready$/m.test(readFileSync(pm.logFile("stubborn"), "utf8")), { timeoutMs: 5000 });
  const t0 = Date.now();
  assert.equal(await pm.stop("stubborn", { graceMs: 500 }), true);
  assert.ok(Date.now() - t0 >= 500, "waited for the grace period before SIGKILL");
  assert.equal(processStartTicks(stubborn.pid), undefined);
});

test("waitUntil stops early when the process died, and times out with the last reason", async () => {
  await assert.rejects(waitUntil("x", async () => false, { alive: () => false, timeoutMs: 10_000 }), /x: the process exited/);
  await assert.rejects(
    waitUntil(
      "y",
      async () => {
        throw new Error("connection refused");
      },
      { timeoutMs: 300, intervalMs: 50 },
    ),
    /y: not ready after 300 ms \(last check: connection refused\)/,
  );
});

test("formatCommandLine quotes what a shell would split", () => {
  assert.equal(formatCommandLine("sh", ["-c", "echo 'a b'", "--x=1"]), `sh -c 'echo '\\''a b'\\''' --x=1`);
});

test("pidsWithCommandLineContaining finds a process by a word of its command line", async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), "slipway-processes-"));
  const pm = createProcessManager(dir);
  t.after(async () => {
    await pm.stop("marked");
    rmSync(dir, { recursive: true, force: true });
  });
  const marker = `slipway-marker-${process.pid}`;
  // One process that never forks: a shell would fork children that carry its command line until
  // they exec, and a look at that moment would find two.
  const rec = pm.start({ name: "marked", command: process.execPath, args: ["-e", "setInterval(() => {}, 1000)", marker] });
  assert.deepEqual(pidsWithCommandLineContaining(marker), [rec.pid]);
  await pm.stop("marked");
  assert.deepEqual(pidsWithCommandLineContaining(marker), []);
});

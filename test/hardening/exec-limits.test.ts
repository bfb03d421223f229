// core/exec ends the whole process tree it started: on cancellation, on a timeout, and when the
// program writes or uses more than its limit.
import { test } from "node:test";
import assert from "node:assert/strict";
import { run } from "../../core/exec.ts";

/** Whether a process with this pid is alive. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Waits until `pid` is gone (a killed process may stay a zombie until it is reaped), up to 3 s. */
async function gone(pid: number): Promise<boolean> {
  for (let i = 0; i < 60 && alive(pid); i++) await new Promise((r) => setTimeout(r, 50));
  return !alive(pid);
}

/** A shell that starts a grandchild holding stdout open (as git's remote-http does) and prints its pid. */
const treeScript = "sleep 60 & echo $!; wait";

async function grandchildOf(start: (onPid: (pid: number) => void) => Promise<unknown>): Promise<{ pid: number; outcome: unknown; ms: number }> {
  let pid = 0;
  const t0 = Date.now();
  const outcome = await start((p) => (pid = p)).catch((e: unknown) => e);
  return { pid, outcome, ms: Date.now() - t0 };
}

test("cancelling ends the program and its children, within the grace period, even when they hold the pipes", async () => {
  const controller = new AbortController();
  const { pid, outcome, ms } = await grandchildOf((onPid) =>
    run("sh", ["-c", treeScript], {
      signal: controller.signal,
      killGraceMs: 1000,
      onOutput: (chunk) => {
        onPid(Number(chunk.trim()));
        controller.abort(new Error("cancelled by test"));
      },
    }),
  );
  assert.match(String(outcome), /cancelled by test/);
  assert.ok(ms < 5000, `ended in ${ms} ms`);
  assert.ok(pid > 0 && (await gone(pid)), `grandchild ${pid} is gone`);
});

test("a timeout ends the tree and names the command", async () => {
  const { pid, outcome, ms } = await grandchildOf((onPid) => run("sh", ["-c", treeScript], { timeoutMs: 300, onOutput: (c) => onPid(Number(c.trim())) }));
  assert.match(String(outcome), /sh -c .*: timed out after 0.3s/);
  assert.ok(ms < 5000, `ended in ${ms} ms`);
  assert.ok(pid > 0 && (await gone(pid)));
});

test("output above maxOutputBytes stops the program", async () => {
  const err = await run("sh", ["-c", "yes hello"], { maxOutputBytes: 100_000 }).catch((e: unknown) => e);
  assert.match(String(err), /wrote more than 100000 bytes of output and was stopped/);
});

test("memory above maxMemoryBytes stops the program", async () => {
  // A program that grows without bound (node, holding ever more buffers).
  const grow = "const a=[];setInterval(()=>{for(let i=0;i<8;i++)a.push(Buffer.alloc(1<<20,1))},10)";
  const err = await run(process.execPath, ["-e", grow], { maxMemoryBytes: 200 * 2 ** 20, timeoutMs: 60_000 }).catch((e: unknown) => e);
  assert.match(String(err), /used more than 200 MiB of memory and was stopped/);
});

test("an already aborted signal starts nothing", async () => {
  await assert.rejects(run("sh", ["-c", "exit 0"], { signal: AbortSignal.abort(new Error("too late")) }), /too late/);
});

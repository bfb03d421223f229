/**
 * Test helper: runs `slipway` (cli/bin.ts under this Node 24) as a child process, as a CI job
 * would, and collects its exit code and output. Bounded by a timeout; the child is killed by pid.
 */
import { spawn } from "node:child_process";
import path from "node:path";

/** A finished `slipway` run. */
export interface SlipwayRun {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

const bin = path.resolve(import.meta.dirname, "../../../cli/bin.ts");

/** Runs `slipway ARGS` with `env` added to a minimal environment (PATH, HOME). */
export function runSlipway(args: string[], env: Record<string, string>, options: { cwd?: string; timeoutMs?: number } = {}): Promise<SlipwayRun> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      cwd: options.cwd,
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (b: Buffer) => (stdout += b.toString()));
    child.stderr.on("data", (b: Buffer) => (stderr += b.toString()));
    const timer = setTimeout(() => {
      if (child.pid) process.kill(child.pid, "SIGKILL");
    }, options.timeoutMs ?? 120_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 1, stdout, stderr, ms: performance.now() - started });
    });
  });
}

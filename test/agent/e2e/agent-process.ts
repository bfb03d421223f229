/**
 * Test helper: runs `slipway` (cli/bin.ts under this Node) as a real child process — the agent
 * in `--once` or daemon mode, or a CLI command — and collects its output. Every process a test
 * starts is stopped by its pid when the test ends.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { TestContext } from "node:test";
import type { TestEnv } from "../../env/harness.ts";

const bin = path.resolve(import.meta.dirname, "../../../cli/bin.ts");

/** A finished command. */
export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `slipway ARGS` to completion (killed after `timeoutMs`, default 180 s). */
export function runSlipway(args: readonly string[], options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { env: { ...process.env, ...options.env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (b: Buffer) => (stdout += b.toString()));
    child.stderr.on("data", (b: Buffer) => (stderr += b.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 180_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** A running agent daemon. */
export interface AgentProcess {
  child: ChildProcess;
  /** Resolves with the HTTP port once the agent listens. */
  port: Promise<number>;
  /** Resolves with the receivers' port once they listen (only when the config has `receivers:`). */
  receiversPort: Promise<number>;
  /** Everything logged so far. */
  logs(): string;
  /** Resolves with the exit code once the process ends. */
  exited: Promise<number | null>;
}

/** Starts `slipway agent ARGS` as a daemon; it is SIGKILLed when the test ends if still running. */
export function startAgent(t: TestContext, args: readonly string[]): AgentProcess {
  const child = spawn(process.execPath, [bin, "agent", ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let logs = "";
  let onPort: (p: number) => void = () => {};
  const port = new Promise<number>((resolve) => (onPort = resolve));
  let onReceivers: (p: number) => void = () => {};
  const receiversPort = new Promise<number>((resolve) => (onReceivers = resolve));
  const collect = (b: Buffer): void => {
    logs += b.toString();
    const m = /"msg":"listening on port (\d+)"/.exec(logs);
    if (m) onPort(Number(m[1]));
    const r = /"msg":"receivers: listening on port (\d+)"/.exec(logs);
    if (r) onReceivers(Number(r[1]));
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null && child.pid) process.kill(child.pid, "SIGKILL");
  });
  return { child, port, receiversPort, logs: () => logs, exited };
}

/** Writes an agent configuration file into a fresh temp dir and returns its path. */
export function writeConfig(text: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), "slipway-agent-config-"));
  const file = path.join(dir, "config.yaml");
  writeFileSync(file, text);
  return file;
}

/** A fresh cache directory for one agent. */
export function cacheDir(): string {
  return mkdtempSync(path.join(tmpdir(), "slipway-agent-cache-"));
}

/**
 * The usual flags: config, kubeconfig, cache dir, and no leader election (a restarted process
 * is a new holder and would wait for its predecessor's Lease; test/agent/leader/ tests election).
 */
export function agentArgs(env: TestEnv, config: string, cache: string): string[] {
  return ["--config", config, "--kubeconfig", env.kubeconfig, "--cache-dir", cache, "--leader-elect=false"];
}

/** Polls `check` every 500 ms until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ""}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

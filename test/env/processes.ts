/**
 * Background daemons of the test environment: each one is started detached in its own process
 * group with its output appended to `.testenv/logs/<name>.log` and a pidfile in
 * `.testenv/pids/<name>.json`, so that a later `status` or `down` (another process) finds it.
 * A pidfile records the process start time too, so a recycled pid is never mistaken for ours.
 */
import { spawn } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { SlipwayError, throwIfAborted } from "../../core/errors.ts";
import { sleep } from "../../core/retry.ts";

/** What to run as a daemon. */
export interface DaemonSpec {
  /** Short name, used for the log and pid files: `etcd`, `kube-apiserver`. */
  name: string;
  command: string;
  args: readonly string[];
  /** Extra environment on top of process.env. */
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/** What the pidfile of a started daemon holds. */
export interface DaemonRecord {
  name: string;
  pid: number;
  /** Start time of the process in clock ticks since boot (field 22 of /proc/PID/stat). */
  startTicks: number;
  /** The command line it was started with, for messages. */
  commandLine: string;
  logFile: string;
}

/** Starts, finds and stops the daemons whose files live under one directory. */
export interface ProcessManager {
  /** Path of the log file of daemon `name`. */
  logFile(name: string): string;
  /** Starts the daemon detached and records it; the caller waits for it to be ready. */
  start(spec: DaemonSpec): DaemonRecord;
  /** The record of daemon `name` when its process is still alive, else undefined. */
  running(name: string): DaemonRecord | undefined;
  /** The recorded command line of daemon `name` (even when it has died), for messages. */
  recorded(name: string): DaemonRecord | undefined;
  /**
   * Stops daemon `name`: SIGTERM to its process group, then SIGKILL after `graceMs`
   * (default 10000). Returns true when something was running.
   */
  stop(name: string, options?: { graceMs?: number }): Promise<boolean>;
}

/** Quotes one argument for display in a shell-like command line. */
function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_./:=,@%+-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, "'\\''")}'`;
}

/** Returns `command args…` as a person could paste it into a shell. */
export function formatCommandLine(command: string, args: readonly string[]): string {
  return [command, ...args].map(shellQuote).join(" ");
}

/** Start time (clock ticks since boot) of a live, non-zombie process, or undefined. */
export function processStartTicks(pid: number): number | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined;
  }
  // The command name (field 2) is in parentheses and may contain spaces: split after it.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  if (fields[0] === "Z" || fields[0] === "X") return undefined;
  const ticks = Number(fields[19]);
  return Number.isFinite(ticks) ? ticks : undefined;
}

/** Creates the manager for daemons whose logs go to `<dir>/logs` and pidfiles to `<dir>/pids`. */
export function createProcessManager(dir: string): ProcessManager {
  const logDir = path.join(dir, "logs");
  const pidDir = path.join(dir, "pids");
  const pidFile = (name: string): string => path.join(pidDir, `${name}.json`);

  const recorded = (name: string): DaemonRecord | undefined => {
    const file = pidFile(name);
    if (!existsSync(file)) return undefined;
    try {
      return JSON.parse(readFileSync(file, "utf8")) as DaemonRecord;
    } catch (err) {
      throw new SlipwayError(file, "unreadable pidfile; delete it and run `npm run testenv -- down`", { cause: err });
    }
  };

  const running = (name: string): DaemonRecord | undefined => {
    const rec = recorded(name);
    if (!rec) return undefined;
    return processStartTicks(rec.pid) === rec.startTicks ? rec : undefined;
  };

  return {
    logFile: (name) => path.join(logDir, `${name}.log`),
    recorded,
    running,
    start(spec) {
      mkdirSync(logDir, { recursive: true });
      mkdirSync(pidDir, { recursive: true });
      const logFile = path.join(logDir, `${spec.name}.log`);
      const commandLine = formatCommandLine(spec.command, spec.args);
      const fd = openSync(logFile, "a");
      writeFileSync(fd, `\n--- ${new Date().toISOString()} ${commandLine}\n`);
      let pid: number | undefined;
      try {
        const child = spawn(spec.command, spec.args, {
          cwd: spec.cwd,
          env: { ...process.env, ...spec.env },
          detached: true,
          stdio: ["ignore", fd, fd],
        });
        child.on("error", () => {
          /* reported below through the missing pid, or later through the dead process */
        });
        child.unref();
        pid = child.pid;
      } finally {
        closeSync(fd);
      }
      if (pid === undefined) {
        throw new SlipwayError(spec.name, `could not start \`${commandLine}\` (is ${spec.command} installed?); log: ${logFile}`);
      }
      // A process that already exited has no start time to read: record it with -1, which no
      // live process matches, so the readiness wait reports that the process exited.
      const startTicks = processStartTicks(pid) ?? -1;
      const rec: DaemonRecord = { name: spec.name, pid, startTicks, commandLine, logFile };
      writeFileSync(pidFile(spec.name), JSON.stringify(rec) + "\n");
      return rec;
    },
    async stop(name, options = {}) {
      const rec = running(name);
      rmSync(pidFile(name), { force: true });
      if (!rec) return false;
      const signalGroup = (sig: NodeJS.Signals): void => {
        try {
          process.kill(-rec.pid, sig);
        } catch {
          try {
            process.kill(rec.pid, sig);
          } catch {
            /* already gone */
          }
        }
      };
      signalGroup("SIGTERM");
      const deadline = Date.now() + (options.graceMs ?? 10_000);
      while (Date.now() < deadline) {
        if (processStartTicks(rec.pid) !== rec.startTicks) return true;
        await sleep(100);
      }
      signalGroup("SIGKILL");
      for (let i = 0; i < 50 && processStartTicks(rec.pid) === rec.startTicks; i++) await sleep(100);
      return true;
    },
  };
}

/** Options for {@link waitUntil}. */
export interface WaitOptions {
  /** Give up after this long. Default 60000 ms. */
  timeoutMs?: number;
  /** Pause between checks. Default 250 ms. */
  intervalMs?: number;
  signal?: AbortSignal;
  /** When given and it returns false, stop waiting at once: the daemon died. */
  alive?: () => boolean;
}

/**
 * Polls `check` until it returns true; bounded by a timeout. `check` may throw or return false
 * while the thing is not ready; the last reason is part of the timeout error.
 */
export async function waitUntil(what: string, check: () => Promise<boolean>, options: WaitOptions = {}): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  let last = "not ready";
  for (;;) {
    throwIfAborted(options.signal);
    try {
      if (await check()) return;
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    if (options.alive && !options.alive()) throw new SlipwayError(what, `the process exited (last check: ${last})`);
    if (Date.now() >= deadline) throw new SlipwayError(what, `not ready after ${options.timeoutMs ?? 60_000} ms (last check: ${last})`);
    await sleep(options.intervalMs ?? 250, options.signal);
  }
}

/** Pids of live processes whose command line contains `text` (e.g. a path below .testenv). */
export function pidsWithCommandLineContaining(text: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (pid === process.pid) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, "utf8").replace(/\0/g, " ");
      if (cmdline.includes(text) && processStartTicks(pid) !== undefined) pids.push(pid);
    } catch {
      /* exited meanwhile */
    }
  }
  return pids;
}

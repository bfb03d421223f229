/**
 * Running external programs (git, kustomize, docker, buildah) with arguments as an array, never
 * through a shell, with optional stdin, an AbortSignal and captured output.
 *
 * Every program runs in a process group of its own, and cancelling, timing out or exceeding a
 * limit ends the whole group: SIGTERM, then SIGKILL after {@link RunOptions.killGraceMs}. That
 * reaches the children a program starts (git's `git-remote-http` and `ssh`), which would
 * otherwise keep running, and keep the output pipes open, after their parent was killed.
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { SlipwayError } from "./errors.ts";
import { redact } from "./redact.ts";

/** Options for {@link run}. */
export interface RunOptions {
  cwd?: string;
  /** Environment; default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Written to the child's stdin, then closed (passwords go here, never on the command line). */
  input?: string | Buffer;
  /** Ends the program and its children (SIGTERM, then SIGKILL) and rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Exit codes that are not errors. Default [0]. */
  okCodes?: number[];
  /** Called with each chunk of stdout/stderr as it arrives (for live logs). */
  onOutput?: (chunk: string, stream: "stdout" | "stderr") => void;
  /** Ends the program when it runs longer, ms. Default: no limit. */
  timeoutMs?: number;
  /** Ends the program when its stdout grows beyond this many bytes. Default: no limit. */
  maxOutputBytes?: number;
  /**
   * Ends the program when its resident memory (VmRSS, read from /proc every 100 ms; Linux only)
   * grows beyond this many bytes. Default: no limit.
   */
  maxMemoryBytes?: number;
  /** Time between SIGTERM and SIGKILL when the program is ended, ms. Default 2000. */
  killGraceMs?: number;
}

/** The outcome of a finished program. */
export interface RunResult {
  code: number;
  stdout: string;
  /** The same output as bytes, for programs that write binary or length-prefixed data (`git cat-file --batch`). */
  stdoutBytes: Buffer;
  stderr: string;
}

/** Resident memory of `pid` in bytes, undefined when it cannot be read. */
function residentBytes(pid: number): number | undefined {
  try {
    const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m?.[1] ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Runs `command args…` and resolves with its output; rejects with a SlipwayError naming the
 * command (secrets redacted) and the tail of stderr when it fails, cannot start, times out or
 * exceeds a limit; rejects with the signal's reason when cancelled.
 */
export function run(command: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const okCodes = options.okCodes ?? [0];
  const shown = redact([command, ...args].join(" "));
  return new Promise((resolve, reject) => {
    if (options.signal?.aborted) {
      reject(options.signal.reason instanceof Error ? options.signal.reason : new Error("aborted", { cause: options.signal.reason }));
      return;
    }
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ["pipe", "pipe", "pipe"],
      detached: true,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let outBytes = 0;
    /** Why the program was ended by us, once it was. */
    let ended: Error | undefined;
    let killTimer: NodeJS.Timeout | undefined;
    const killGroup = (sig: NodeJS.Signals): void => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, sig);
      } catch {
        /* the group is gone already */
      }
    };
    const end = (why: Error): void => {
      if (ended) return;
      ended = why;
      killGroup("SIGTERM");
      killTimer = setTimeout(() => killGroup("SIGKILL"), options.killGraceMs ?? 2000);
      killTimer.unref();
    };
    const onAbort = (): void => {
      const r: unknown = options.signal?.reason;
      end(r instanceof Error ? r : new Error("aborted", { cause: r }));
    };
    options.signal?.addEventListener("abort", onAbort, { once: true });
    const timeout =
      options.timeoutMs !== undefined
        ? setTimeout(() => end(new SlipwayError(shown, `timed out after ${options.timeoutMs! / 1000}s`)), options.timeoutMs)
        : undefined;
    const memoryWatch =
      options.maxMemoryBytes !== undefined
        ? setInterval(() => {
            const rss = child.pid !== undefined ? residentBytes(child.pid) : undefined;
            if (rss !== undefined && rss > options.maxMemoryBytes!) {
              end(new SlipwayError(shown, `used more than ${Math.round(options.maxMemoryBytes! / 2 ** 20)} MiB of memory and was stopped`));
            }
          }, 100)
        : undefined;
    const cleanup = (): void => {
      options.signal?.removeEventListener("abort", onAbort);
      if (timeout) clearTimeout(timeout);
      if (memoryWatch) clearInterval(memoryWatch);
    };
    child.stdout.on("data", (b: Buffer) => {
      outBytes += b.length;
      if (options.maxOutputBytes !== undefined && outBytes > options.maxOutputBytes) {
        end(new SlipwayError(shown, `wrote more than ${options.maxOutputBytes} bytes of output and was stopped`));
        return;
      }
      out.push(b);
      options.onOutput?.(b.toString(), "stdout");
    });
    child.stderr.on("data", (b: Buffer) => {
      err.push(b);
      options.onOutput?.(b.toString(), "stderr");
    });
    child.on("error", (e: NodeJS.ErrnoException) => {
      cleanup();
      const why = e.code === "ENOENT" ? `${command} is not installed or not on PATH` : e.message;
      reject(new SlipwayError(shown, why, { cause: e }));
    });
    child.on("close", (code, sig) => {
      cleanup();
      if (killTimer) clearTimeout(killTimer);
      const stdoutBytes = Buffer.concat(out);
      const stdout = stdoutBytes.toString();
      const stderr = Buffer.concat(err).toString();
      if (ended) {
        reject(ended);
        return;
      }
      const exit = code ?? 128;
      if (sig || !okCodes.includes(exit)) {
        const tail = redact(stderr.trim().split("\n").slice(-5).join("\n"));
        reject(new SlipwayError(shown, `exited with ${sig ?? exit}${tail ? `: ${tail}` : ""}`));
        return;
      }
      resolve({ code: exit, stdout, stdoutBytes, stderr });
    });
    child.stdin.on("error", () => {
      /* the child may exit before reading its input */
    });
    if (options.input !== undefined) child.stdin.end(options.input);
    else child.stdin.end();
  });
}

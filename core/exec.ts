/**
 * Running external programs (git, kustomize, docker, buildah) with arguments as an array, never
 * through a shell, with optional stdin, an AbortSignal and captured output.
 */
import { spawn } from "node:child_process";
import { SlipwayError } from "./errors.ts";
import { redact } from "./redact.ts";

/** Options for {@link run}. */
export interface RunOptions {
  cwd?: string;
  /** Environment; default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Written to the child's stdin, then closed (passwords go here, never on the command line). */
  input?: string | Buffer;
  signal?: AbortSignal;
  /** Exit codes that are not errors. Default [0]. */
  okCodes?: number[];
  /** Called with each chunk of stdout/stderr as it arrives (for live logs). */
  onOutput?: (chunk: string, stream: "stdout" | "stderr") => void;
}

/** The outcome of a finished program. */
export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `command args…` and resolves with its output; rejects with a SlipwayError naming the
 * command (secrets redacted) and the tail of stderr when it fails or cannot start.
 */
export function run(command: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const okCodes = options.okCodes ?? [0];
  const shown = redact([command, ...args].join(" "));
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ["pipe", "pipe", "pipe"],
      signal: options.signal,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (b: Buffer) => {
      out.push(b);
      options.onOutput?.(b.toString(), "stdout");
    });
    child.stderr.on("data", (b: Buffer) => {
      err.push(b);
      options.onOutput?.(b.toString(), "stderr");
    });
    child.on("error", (e: NodeJS.ErrnoException) => {
      const why = e.code === "ENOENT" ? `${command} is not installed or not on PATH` : e.message;
      reject(new SlipwayError(shown, why, { cause: e }));
    });
    child.on("close", (code, sig) => {
      const stdout = Buffer.concat(out).toString();
      const stderr = Buffer.concat(err).toString();
      const exit = code ?? 128;
      if (sig || !okCodes.includes(exit)) {
        const tail = redact(stderr.trim().split("\n").slice(-5).join("\n"));
        reject(new SlipwayError(shown, `exited with ${sig ?? exit}${tail ? `: ${tail}` : ""}`));
        return;
      }
      resolve({ code: exit, stdout, stderr });
    });
    child.stdin.on("error", () => {
      /* the child may exit before reading its input */
    });
    if (options.input !== undefined) child.stdin.end(options.input);
    else child.stdin.end();
  });
}

/**
 * Output for people and scripts: ► ✔ ◎ ✗ status lines, aligned tables, and `--output json`.
 * Everything passes through the redactor.
 */
import { redact } from "../core/redact.ts";

/** Where a command writes; tests hand in buffers. */
export interface CliIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Reads all of stdin as text. */
  readStdin: () => Promise<string>;
  /** Process environment. */
  env: NodeJS.ProcessEnv;
  /** Working directory. */
  cwd: string;
  /** Cancels long operations (Ctrl-C). */
  signal: AbortSignal;
}

/** A command's entry point: parses its own arguments, returns the exit code. */
export type CommandRun = (args: string[], io: CliIO) => Promise<number>;

/** Writes `► msg` (an action starting) to stderr. */
export function step(io: CliIO, msg: string): void {
  io.stderr(redact(`► ${msg}`) + "\n");
}
/** Writes `✔ msg` (success) to stderr. */
export function ok(io: CliIO, msg: string): void {
  io.stderr(redact(`✔ ${msg}`) + "\n");
}
/** Writes `◎ msg` (waiting) to stderr. */
export function waiting(io: CliIO, msg: string): void {
  io.stderr(redact(`◎ ${msg}`) + "\n");
}
/** Writes `✗ msg` (failure) to stderr. */
export function fail(io: CliIO, msg: string): void {
  io.stderr(redact(`✗ ${msg}`) + "\n");
}

/** Formats rows as a left-aligned table with a header, columns separated by three spaces. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join("   ")
      .trimEnd();
  return [line(header), ...rows.map(line)].join("\n") + "\n";
}

/** Creates the IO of the real process. */
export function processIO(signal: AbortSignal): CliIO {
  return {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    readStdin: async () => {
      const chunks: Buffer[] = [];
      for await (const c of process.stdin) chunks.push(c as Buffer);
      return Buffer.concat(chunks).toString("utf8");
    },
    env: process.env,
    cwd: process.cwd(),
    signal,
  };
}

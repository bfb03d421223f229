/**
 * Flag parsing the one way every command does it: node:util parseArgs, `-h/--help` prints the
 * usage (exit 0), and an unknown flag or a failed check prints `✗ <what>: <why>` and the usage
 * (exit 2) before the command does any work.
 */
import { parseArgs, type ParseArgsConfig } from "node:util";
import { SlipwayError, errorMessage } from "../core/errors.ts";
import { fail, type CliIO } from "./io.ts";

/** The flag definitions of one command; every command defines `help`. */
export type FlagDefinitions = NonNullable<ParseArgsConfig["options"]> & { help: { type: "boolean"; short: "h" } };

/** What parseArgs returns for `options`, positionals allowed. */
export type ParsedFlags<O extends FlagDefinitions> = ReturnType<
  typeof parseArgs<{ args: string[]; options: O; allowPositionals: true; strict: true }>
>;

/** The outcome of {@link parseFlags}: the checked flags, or the exit code to return at once. */
export type FlagsResult<R> = { ok: true; flags: R } | { ok: false; exit: number };

/**
 * Parses `args` against `options` and hands the result to `check`, which validates it (throwing
 * a SlipwayError naming the flag) and returns what the command needs. Positionals are allowed;
 * `check` decides how many it takes.
 */
export function parseFlags<const O extends FlagDefinitions, R>(
  io: CliIO,
  args: string[],
  usage: string,
  options: O,
  check: (parsed: ParsedFlags<O>) => R,
): FlagsResult<R> {
  try {
    const parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
    if ((parsed.values as { help?: boolean }).help) {
      io.stdout(usage);
      return { ok: false, exit: 0 };
    }
    return { ok: true, flags: check(parsed) };
  } catch (err) {
    fail(io, errorMessage(err));
    io.stderr(usage);
    return { ok: false, exit: 2 };
  }
}

/** Throws a SlipwayError naming the first positional argument when a command takes none. */
export function noPositionals(positionals: readonly string[], hint?: string): void {
  if (positionals.length > 0) throw new SlipwayError(positionals[0] ?? "", hint ? `unexpected argument (${hint})` : "unexpected argument");
}

/** Checks an `--output` value: `text` or `json`, else a SlipwayError naming the flag. */
export function outputFormat(value: string): "text" | "json" {
  if (value !== "text" && value !== "json") throw new SlipwayError(`--output "${value}"`, 'want "text" or "json"');
  return value;
}

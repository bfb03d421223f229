/**
 * Flag parsing the one way every command does it: node:util parseArgs, `-h/--help` prints the
 * usage (exit 0), and an unknown flag or a failed check prints `✗ <what>: <why>` and the usage
 * (exit 2) before the command does any work. The flags every cluster command shares
 * (`--kubeconfig`, `-n/--namespace`) and duration flags (`--timeout 5m`) are defined here once.
 */
import { parseArgs, type ParseArgsConfig } from "node:util";
import { SlipwayError, errorMessage } from "../core/errors.ts";
import { parseDuration } from "../core/duration.ts";
import { defaultAgentNamespace } from "../core/well-known.ts";
import { createKubeClient, type KubeClient } from "../agent/kube/kube-client.ts";
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
    // parseArgs' own errors (unknown flag, missing value) do not say which command they concern.
    const command = /^Usage: (slipway(?: [a-z-]+)?)/.exec(usage)?.[1];
    const parseError = err instanceof Error && "code" in err && String(err.code).startsWith("ERR_PARSE_ARGS");
    fail(io, parseError && command ? `${command}: ${errorMessage(err)}` : errorMessage(err));
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

/** `--kubeconfig FILE`: the flag definition every command that talks to a cluster spreads into its own. */
export const kubeconfigFlag = { kubeconfig: { type: "string" } } as const;

/** `-n, --namespace NS` (default {@link defaultAgentNamespace}): the agent's namespace, for commands that talk to the agent through the cluster. */
export const agentNamespaceFlag = { namespace: { type: "string", short: "n", default: defaultAgentNamespace } } as const;

/** Both cluster flags: {@link agentNamespaceFlag} and {@link kubeconfigFlag}. */
export const clusterFlags = { ...agentNamespaceFlag, ...kubeconfigFlag } as const;

/** The flags of the `get` listings read from the cluster: {@link clusterFlags}, `-A`, `-o text|json` and `-h`. */
export const listFlags = {
  ...clusterFlags,
  "all-namespaces": { type: "boolean", short: "A", default: false },
  output: { type: "string", short: "o", default: "text" },
  help: { type: "boolean", short: "h" },
} as const;

/**
 * The usage lines of the cluster flags, the description starting at column `width` (counted from
 * the flag's first character, as the command's other lines are). `namespace: false` leaves out
 * `-n`; `kubeconfig` replaces the kubeconfig line's description.
 */
export function clusterFlagsUsage(width: number, options: { namespace?: boolean; kubeconfig?: string } = {}): string {
  const line = (flag: string, text: string): string => `  ${flag.padEnd(width)}${text}\n`;
  return (
    (options.namespace === false ? "" : line("-n, --namespace NS", `the agent's namespace (default ${defaultAgentNamespace})`)) +
    line("--kubeconfig FILE", options.kubeconfig ?? "default $KUBECONFIG or ~/.kube/config")
  );
}

/** The Kubernetes client for a command's parsed `--kubeconfig` (absent: `$KUBECONFIG`, `~/.kube/config`, in-cluster). */
export async function kubeClientFromFlags(values: { kubeconfig?: string | undefined }): Promise<KubeClient> {
  return createKubeClient(values.kubeconfig ? { kubeconfig: values.kubeconfig } : {});
}

/**
 * Parses a duration flag (`--timeout 30s`, Go notation: `500ms`, `30s`, `5m`, `1h30m`) into
 * milliseconds. A bare number is refused with a message that says to add a unit, so that a
 * value meant as seconds is never read as something else; zero and anything else that is not a
 * duration are refused too.
 */
export function durationFlag(flag: string, value: string): number {
  if (/^\s*\d+(?:\.\d+)?\s*$/.test(value) && value.trim() !== "0") {
    throw new SlipwayError(`${flag} ${value}`, `a duration needs a unit: ${value.trim()}s for seconds, ${value.trim()}m for minutes`);
  }
  const ms = parseDuration(value);
  if (!ms) throw new SlipwayError(`${flag} ${value}`, "is not a duration such as 30s or 5m");
  return ms;
}

/**
 * `slipway ci [--flags]`: the whole CI step (build, tag, push, update manifests, pull request)
 * with the same code as the GitHub Action. Flags mirror action.yml's inputs (`--manifest-repo`,
 * `--dry-run`); an input not given as a flag is read from `SLIPWAY_<NAME>` (how CodeBuild passes
 * them). Outputs go to stderr and, with `--outputs-file` (default `slipway-outputs.env` under
 * CodeBuild), to a `SLIPWAY_OUTPUT_<NAME>='value'` file to source for `env.exported-variables`.
 */
import { SlipwayError } from "../../core/errors.ts";
import { createLogger } from "../../core/log.ts";
import { ciContextFromEnv } from "../../action/ci-context.ts";
import { INPUTS, envInputSource, envVarName, layeredInputSource, parseInputs, secretFlagWarnings, type InputDef } from "../../action/inputs.ts";
import { createFileReporter } from "../../action/outputs.ts";
import { runCi } from "../../action/run-ci.ts";
import type { CommandRun } from "../io.ts";
import { noPositionals, parseFlags, type FlagDefinitions } from "../flags.ts";

const defs = Object.values(INPUTS) as InputDef<unknown>[];

function help(): string {
  const width = Math.max(...defs.map((d) => d.name.length)) + 2;
  return (
    "Usage: slipway ci [flags]\n\nBuild, tag and push an image, then update the manifest repository (race-safe).\n" +
    "Every flag can also be given as SLIPWAY_<NAME> (e.g. SLIPWAY_MANIFEST_REPO).\n\nFlags:\n" +
    defs.map((d) => `  --${d.name.padEnd(width)}${d.description}${d.default ? ` (default ${d.default})` : ""}`).join("\n") +
    `\n  --${"outputs-file".padEnd(width)}Write outputs as SLIPWAY_OUTPUT_<NAME>='value' lines (default slipway-outputs.env under CodeBuild)\n` +
    `  --${"log-format".padEnd(width)}text or json (default text)\n`
  );
}

/** The flags of `slipway ci`: one per action input (built from INPUTS, the single definition), plus the CLI's own. */
function ciFlags(): FlagDefinitions {
  const options: FlagDefinitions = { help: { type: "boolean", short: "h" }, "outputs-file": { type: "string" }, "log-format": { type: "string" } };
  for (const d of defs) options[d.name] = { type: d.flag ? "boolean" : "string" };
  return options;
}

/** Runs `slipway ci`. */
export const run: CommandRun = async (args, io) => {
  const parsed = parseFlags(io, args, help(), ciFlags(), ({ values, positionals }) => {
    noPositionals(positionals, "slipway ci takes flags only");
    return values as Record<string, string | boolean | undefined>;
  });
  if (!parsed.ok) return parsed.exit;
  const values = parsed.flags;
  const fromFlags = (name: string): string | undefined => {
    const v = values[name];
    return typeof v === "boolean" ? String(v) : v;
  };
  for (const w of secretFlagWarnings(defs.map((d) => d.name).filter((n) => typeof values[n] === "string" && values[n] !== ""))) io.stderr(`${w}\n`);
  const inputs = parseInputs(layeredInputSource(fromFlags, envInputSource(io.env)));
  if (inputs.mode === "update") return (await import("./update.ts")).run(args, io);
  const format = (values["log-format"] as string | undefined) ?? io.env[envVarName("log-format")] ?? "text";
  if (format !== "text" && format !== "json") throw new SlipwayError("flag --log-format", `"${format}" is not text or json`);
  const log = createLogger({ format, write: (line) => io.stderr(`${line}\n`) });
  const outputsFile = (values["outputs-file"] as string | undefined) ?? io.env.SLIPWAY_OUTPUTS_FILE ?? (io.env.CODEBUILD_BUILD_ID ? "slipway-outputs.env" : undefined);
  const reporter = createFileReporter({ write: io.stderr, envFile: outputsFile });
  const outputs = await runCi({ inputs, reporter, log, ci: ciContextFromEnv(io.env), env: io.env, signal: io.signal });
  io.stdout(JSON.stringify(outputs) + "\n");
  return 0;
};

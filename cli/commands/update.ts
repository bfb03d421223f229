/**
 * `slipway update --manifest-repo URL [--manifest-branch B] [--update-path P] [--policy NS/NAME…]
 * [--policy-selector SEL] [--dry-run]`: every ImagePolicy of the manifest repository, for images
 * no pipeline builds (a scheduled job). The same git, registry and output flags as `slipway ci`
 * (the inputs of action.yml; `SLIPWAY_<NAME>` variables too); `--policy` may repeat. Exit 0 when
 * every policy was decided, 1 when some failed (the others are still committed; each failure is
 * named on stderr).
 */
import { SlipwayError } from "../../core/errors.ts";
import { formatImageRef } from "../../core/image-ref.ts";
import { createLogger } from "../../core/log.ts";
import { INPUTS, envInputSource, envVarName, layeredInputSource, parseInputs, secretFlagWarnings, type InputDef } from "../../action/inputs.ts";
import { createFileReporter } from "../../action/outputs.ts";
import { runUpdate } from "../../action/run-update.ts";
import type { CommandRun } from "../io.ts";
import { noPositionals, parseFlags, type FlagDefinitions } from "../flags.ts";

/** Inputs that only the build half of the CI step reads. */
const BUILD_ONLY = new Set(["image", "context", "dockerfile", "build-args", "target", "platforms", "source", "builder", "tag-format", "extra-tags", "create-repository", "scan-on-push", "immutable-tags", "webhook-url", "webhook-token", "mode"]);

const defs = (Object.values(INPUTS) as InputDef<unknown>[]).filter((d) => !BUILD_ONLY.has(d.name));

function help(): string {
  const width = Math.max(...defs.map((d) => d.name.length)) + 2;
  return (
    "Usage: slipway update --manifest-repo URL [--policy NS/NAME…] [--dry-run] [flags]\n\n" +
    "List the tags of every ImageRepository in the manifest repository, let each ImagePolicy pick,\n" +
    "and commit every marker change in one race-safe commit.\n" +
    "Every flag can also be given as SLIPWAY_<NAME> (e.g. SLIPWAY_MANIFEST_REPO).\n\nFlags:\n" +
    defs.map((d) => `  --${d.name.padEnd(width)}${d.description}${d.default ? ` (default ${d.default})` : ""}`).join("\n") +
    `\n  --${"outputs-file".padEnd(width)}Write outputs as SLIPWAY_OUTPUT_<NAME>='value' lines\n` +
    `  --${"log-format".padEnd(width)}text or json (default text)\n`
  );
}

function updateFlags(): FlagDefinitions {
  // `--mode update` is accepted (and implied), so that `slipway ci --mode update` can hand over.
  const options: FlagDefinitions = { help: { type: "boolean", short: "h" }, "outputs-file": { type: "string" }, "log-format": { type: "string" }, mode: { type: "string" } };
  for (const d of defs) options[d.name] = d.name === "policy" ? { type: "string", multiple: true } : { type: d.flag ? "boolean" : "string" };
  return options;
}

/** Runs `slipway update`. */
export const run: CommandRun = async (args, io) => {
  const parsed = parseFlags(io, args, help(), updateFlags(), ({ values, positionals }) => {
    noPositionals(positionals, "slipway update takes flags only");
    if (values.mode !== undefined && values.mode !== "update") throw new SlipwayError(`--mode ${String(values.mode)}`, "slipway update runs mode update only");
    return values as Record<string, string | boolean | string[] | undefined>;
  });
  if (!parsed.ok) return parsed.exit;
  const values = parsed.flags;
  const fromFlags = (name: string): string | undefined => {
    if (name === "mode") return "update";
    if (BUILD_ONLY.has(name)) return undefined;
    const v = values[name];
    return Array.isArray(v) ? v.join("\n") : typeof v === "boolean" ? String(v) : v;
  };
  for (const w of secretFlagWarnings(defs.map((d) => d.name).filter((n) => typeof values[n] === "string" && values[n] !== ""))) io.stderr(`${w}\n`);
  const inputs = parseInputs(layeredInputSource(fromFlags, envInputSource(io.env)));
  const format = (values["log-format"] as string | undefined) ?? io.env[envVarName("log-format")] ?? "text";
  if (format !== "text" && format !== "json") throw new SlipwayError("flag --log-format", `"${format}" is not text or json`);
  const log = createLogger({ format, write: (line) => io.stderr(`${line}\n`) });
  const outputsFile = (values["outputs-file"] as string | undefined) ?? io.env.SLIPWAY_OUTPUTS_FILE;
  const reporter = createFileReporter({ write: io.stderr, envFile: outputsFile });
  const result = await runUpdate({ inputs, reporter, log, env: io.env, signal: io.signal });
  io.stdout(
    JSON.stringify({
      commit: result.outputs.commit,
      changedFiles: result.outputs.changedFiles,
      policies: result.policies.map((p) => ({ policy: `${p.namespace}/${p.name}`, image: p.image ? formatImageRef(p.image) : "" })),
    }) + "\n",
  );
  return 0;
};

/**
 * `slipway policy eval POLICY.yaml [--name NS/NAME] [--explain] [--output json]`: reads tags on stdin (one per
 * line; blank lines ignored, CR trimmed) and prints the tag the ImagePolicy selects, exactly as
 * Flux's image-reflector-controller would; tags matching the exclusion list (`--exclude`, default
 * Flux's `^.*\.sig$`) are dropped first, as an ImageRepository drops them. `--explain` prints every tag with its verdict
 * (selected, filtered-out, not-a-version, outside-range, older, not-a-number). Exit 0 with a
 * selection, 1 when the policy selects nothing or is invalid (reason on stderr), 2 on bad usage.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { SlipwayError, errorMessage } from "../../core/errors.ts";
import { compileExclusionList, DEFAULT_EXCLUSION_LIST, type ExclusionList } from "../../core/policy/exclusion-list.ts";
import { parsePolicyFile } from "../../core/policy/policy-file.ts";
import { explainSelection, selectTag, type SelectionExplanation } from "../../core/policy/select-tag.ts";
import { fail, table, type CliIO, type CommandRun } from "../io.ts";
import { parseFlags, outputFormat } from "../flags.ts";

const USAGE = `Usage: slipway policy eval POLICY.yaml [--name NS/NAME] [--explain] [--output json] < tags.txt

Prints the tag the ImagePolicy in POLICY.yaml selects from the tags on stdin (one per line).

Flags:
  --name NS/NAME     the policy to evaluate when POLICY.yaml holds several (NAME alone
                     uses --namespace)
  --explain          print every tag and why it won or lost
  --exclude REGEX    drop tags matching REGEX first, like an ImageRepository's
                     exclusionList (repeatable; default '^.*\\.sig$', Flux's default)
  -o, --output FMT   "text" (default) or "json"
  -n, --namespace NS namespace of a policy without metadata.namespace (default "default")
`;

/** Splits stdin into tags: one per line, surrounding whitespace and CR trimmed, blank lines dropped. */
export function readTags(text: string): string[] {
  return text
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "");
}

/** Runs `slipway policy …`. */
export const run: CommandRun = async (args: string[], io: CliIO): Promise<number> => {
  const parsed = parseFlags(
    io,
    args,
    USAGE,
    {
      explain: { type: "boolean", default: false },
      exclude: { type: "string", multiple: true, default: [] },
      output: { type: "string", short: "o", default: "text" },
      namespace: { type: "string", short: "n", default: "default" },
      name: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    ({ values, positionals }) => {
      const [sub, file, ...extra] = positionals;
      if (sub !== "eval") throw new SlipwayError(`policy ${sub ?? ""}`.trim(), 'unknown subcommand (want "eval")');
      if (!file || extra.length > 0) throw new SlipwayError("policy eval", "want exactly one POLICY.yaml");
      outputFormat(values.output);
      let exclusion: ExclusionList;
      try {
        exclusion = compileExclusionList(values.exclude.length > 0 ? values.exclude : DEFAULT_EXCLUSION_LIST);
      } catch (err) {
        throw new SlipwayError("--exclude", errorMessage(err), { cause: err });
      }
      return { values, file, exclusion };
    },
  );
  if (!parsed.ok) return parsed.exit;
  const { values, file, exclusion } = parsed.flags;

  const text = await readFile(path.resolve(io.cwd, file), "utf8").catch((err: unknown) => {
    throw new SlipwayError(file, "cannot be read", { cause: err });
  });
  const all = parsePolicyFile(text, file, values.namespace);
  let policies = all;
  if (values.name !== undefined) {
    const [ns, name] = values.name.includes("/") ? values.name.split("/", 2) : [values.namespace, values.name];
    policies = all.filter((p) => p.namespace === ns && p.name === name);
    if (policies.length === 0) {
      fail(io, `--name ${values.name}: ${file} has no ImagePolicy ${ns}/${name} (it has ${all.map((p) => `${p.namespace}/${p.name}`).join(", ") || "none"})`);
      return 1;
    }
  }
  const [policy] = policies;
  if (!policy || policies.length !== 1) {
    const names = policies.map((p) => `${p.namespace}/${p.name}`).join(", ");
    fail(io, `${file}: want exactly one ImagePolicy, found ${policies.length}${policies.length > 1 ? ` (${names}); pick one with --name NS/NAME` : ""}`);
    return 1;
  }
  const allTags = readTags(await io.readStdin());
  const tags = allTags.filter((t) => exclusion.excludedBy(t) === undefined);
  // Without --explain the cheaper path runs: no per-tag verdicts are built.
  let result: SelectionExplanation;
  if (values.explain) {
    result = explainSelection(policy, tags);
    // Put the excluded tags back in input order, with their verdict.
    const kept = result.verdicts[Symbol.iterator]();
    result.verdicts = allTags.map((tag) => {
      const by = exclusion.excludedBy(tag);
      return by === undefined ? (kept.next().value ?? { tag, verdict: "older" }) : { tag, verdict: "filtered-out", detail: `excluded by exclusionList /${by}/` };
    });
  }
  else {
    try {
      result = { selected: selectTag(policy, tags), verdicts: [] };
    } catch (err) {
      result = { error: errorMessage(err), verdicts: [] };
    }
  }
  const id = `ImagePolicy/${policy.namespace}/${policy.name}`;

  if (values.output === "json") {
    io.stdout(
      JSON.stringify({
        policy: id,
        ...(result.selected !== undefined ? { selected: result.selected } : { error: result.error }),
        ...(values.explain ? { verdicts: result.verdicts } : {}),
      }) + "\n",
    );
  } else if (values.explain) {
    io.stdout(table(["TAG", "VERDICT", "DETAIL"], result.verdicts.map((v) => [v.tag, v.verdict, v.detail ?? ""])));
  } else if (result.selected !== undefined) {
    io.stdout(result.selected + "\n");
  }
  if (result.selected === undefined) {
    fail(io, result.error ?? `${id}: no tag selected`);
    return 1;
  }
  return 0;
};

/**
 * `slipway bump --path DIR --set NS:NAME=IMAGE [--set …] [--dry-run] [--output json]`: sets the
 * values at every `$imagepolicy` marker naming NS:NAME under DIR to IMAGE (`repo:tag`,
 * `repo@sha256:…` or `repo:tag@sha256:…`) and prints `file:line old -> new` per change. With
 * `--dry-run` nothing is written, a unified diff goes to stdout and the change lines to stderr. A bad `--set` is an error
 * naming the argument (exit 2) and nothing is written; warnings go to stderr.
 */
import path from "node:path";
import { SlipwayError } from "../../core/errors.ts";
import { parseImageRef, type ImageRef } from "../../core/image-ref.ts";
import { unifiedDiff } from "../../core/markers/unified-diff.ts";
import { updateMarkers } from "../../core/markers/update-tree.ts";
import { redact } from "../../core/redact.ts";
import { ok, type CliIO, type CommandRun } from "../io.ts";
import { parseFlags, noPositionals, outputFormat } from "../flags.ts";

const USAGE = `Usage: slipway bump --path DIR --set NS:NAME=IMAGE [--set …] [--dry-run] [--output json]

Sets the value at every {"$imagepolicy": "NS:NAME[:tag|:name|:digest]"} marker under DIR.
IMAGE is repo:tag, repo@sha256:… or repo:tag@sha256:….

Flags:
  --path DIR               directory to update (default ".")
  --set NS:NAME=IMAGE      the image for policy NS:NAME (repeatable)
  --dry-run                write nothing; print a unified diff
  -o, --output FMT         "text" (default) or "json"
`;

const POLICY_REF = /^([^:=\s]+):([^:=\s]+)$/;

/**
 * Parses `--set` values into a map `ns:name` → image. Throws a SlipwayError naming the argument
 * when one lacks `NS:NAME=`, repeats a policy, or holds an invalid or tag-less, digest-less image.
 */
export function parseSets(sets: readonly string[]): Map<string, ImageRef> {
  const images = new Map<string, ImageRef>();
  for (const set of sets) {
    const subject = `--set "${set}"`;
    const eq = set.indexOf("=");
    const policy = eq < 0 ? "" : set.slice(0, eq);
    if (!POLICY_REF.test(policy)) throw new SlipwayError(subject, "want NS:NAME=IMAGE (the ImagePolicy's namespace and name)");
    let image: ImageRef;
    try {
      image = parseImageRef(set.slice(eq + 1));
    } catch (err) {
      throw new SlipwayError(subject, "IMAGE is not a valid image reference", { cause: err });
    }
    if (image.tag === undefined && image.digest === undefined) {
      throw new SlipwayError(subject, "IMAGE needs a tag or a digest (repo:tag, repo@sha256:…, repo:tag@sha256:…)");
    }
    if (images.has(policy)) throw new SlipwayError(subject, `${policy} is set twice`);
    images.set(policy, image);
  }
  return images;
}

/** Runs `slipway bump`. */
export const run: CommandRun = async (args: string[], io: CliIO): Promise<number> => {
  const parsed = parseFlags(
    io,
    args,
    USAGE,
    {
      path: { type: "string", default: "." },
      set: { type: "string", multiple: true, default: [] },
      "dry-run": { type: "boolean", default: false },
      output: { type: "string", short: "o", default: "text" },
      help: { type: "boolean", short: "h" },
    },
    ({ values, positionals }) => {
      noPositionals(positionals, "give the directory with --path");
      outputFormat(values.output);
      if (values.set.length === 0) throw new SlipwayError("--set", "at least one --set NS:NAME=IMAGE is required");
      return { values, images: parseSets(values.set) };
    },
  );
  if (!parsed.ok) return parsed.exit;
  const { values, images } = parsed.flags;

  const dryRun = values["dry-run"];
  const root = path.resolve(io.cwd, values.path);
  const result = await updateMarkers({ root, images, dryRun, signal: io.signal });
  // Paths print relative to the working directory, as the user named DIR.
  const prefix = values.path === "." ? "" : values.path.replace(/\/+$/, "") + "/";
  const shown = (file: string): string => prefix + file;

  for (const warning of result.warnings) io.stderr(redact(`warning: ${shown(warning)}`) + "\n");
  if (values.output === "json") {
    io.stdout(
      JSON.stringify({
        dryRun,
        changedFiles: result.changedFiles.map(shown),
        changes: result.changes.map((c) => ({ ...c, file: shown(c.file) })),
        warnings: result.warnings.map(shown),
      }) + "\n",
    );
    return 0;
  }
  const lines = result.changes.map((c) => `${shown(c.file)}:${c.line} ${c.oldValue} -> ${c.newValue}\n`).join("");
  if (dryRun) {
    io.stderr(lines);
    io.stdout(result.diffs.map((d) => unifiedDiff(shown(d.file), d.before, d.after)).join(""));
  } else {
    io.stdout(lines);
  }
  const files = result.changedFiles.length;
  ok(
    io,
    result.changes.length === 0
      ? "no marker values changed"
      : `${result.changes.length} value${result.changes.length === 1 ? "" : "s"} ${dryRun ? "would change" : "changed"} in ${files} file${files === 1 ? "" : "s"}`,
  );
  return 0;
};

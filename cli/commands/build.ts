/**
 * `slipway build --path DIR [--target-namespace NS]`: prints the YAML stream the agent would
 * apply for DIR — `.sourceignore` honoured, a kustomization generated when DIR has none, remote
 * bases refused, paths kept inside the repository (the git work tree holding DIR, else DIR).
 */
import { realpath, stat } from "node:fs/promises";
import path from "node:path";
import { parseFlags, noPositionals } from "../flags.ts";
import { SlipwayError } from "../../core/errors.ts";
import { run as exec } from "../../core/exec.ts";
import { buildSync } from "../../agent/build/build-sync.ts";
import { createKustomize } from "../../agent/build/kustomize-runner.ts";
import { renderManifests } from "../../agent/build/parse-manifests.ts";
import { copyFilesIntoWorkspace, copyIntoWorkspace, createWorkspace } from "../../agent/build/workspace.ts";
import type { KubeObject } from "../../agent/kube/kube-object.ts";
import type { CliIO, CommandRun } from "../io.ts";

/** `--path DIR` (default ".") and `--target-namespace NS`: the flags of every command that builds a directory as the agent would. */
export const buildFlags = { path: { type: "string", default: "." }, "target-namespace": { type: "string" } } as const;

/** The usage lines of {@link buildFlags}, descriptions at column 27 from the flag. */
export const buildFlagsUsage = `  --path DIR                 directory to build (default ".")
  --target-namespace NS      set this namespace on every namespaced object
`;

const USAGE = `Usage: slipway build --path DIR [--target-namespace NS]

Prints the objects the agent would apply for DIR, as a YAML stream.

Flags:
${buildFlagsUsage}`;

/**
 * The repository holding `dir` and the files that belong to it: inside git, the work tree's
 * tracked and not-ignored files (what a commit would hold); outside git, `dir` and everything in it.
 */
export async function repositoryFiles(dir: string, signal?: AbortSignal): Promise<{ root: string; files?: string[] }> {
  let root: string;
  try {
    root = (await exec("git", ["-C", dir, "rev-parse", "--show-toplevel"], { signal })).stdout.trim();
  } catch {
    return { root: dir };
  }
  const listed = (await exec("git", ["-C", root, "ls-files", "-z", "--cached", "--others", "--exclude-standard"], { signal })).stdout;
  return { root, files: [...new Set(listed.split("\0").filter((f) => f !== ""))] };
}

/** Builds `dir` as the agent would (in a temporary copy) and returns the objects. */
export async function buildLocal(dir: string, options: { targetNamespace?: string; owner?: { sync: string; namespace: string }; signal?: AbortSignal }): Promise<KubeObject[]> {
  const real = await realpath(dir).catch((err: unknown) => {
    const missing = (err as NodeJS.ErrnoException).code === "ENOENT";
    throw new SlipwayError(`--path ${dir}`, missing ? "does not exist: give a directory of manifests (or one with a kustomization.yaml)" : "cannot be read", missing ? undefined : { cause: err });
  });
  if (!(await stat(real)).isDirectory()) throw new SlipwayError(`--path ${dir}`, `is a file, not a directory: give the directory that holds it (--path ${path.dirname(dir)})`);
  const { root, files } = await repositoryFiles(real, options.signal);
  const ws = await createWorkspace();
  try {
    if (files) await copyFilesIntoWorkspace(root, files, ws, options.signal);
    else await copyIntoWorkspace(root, ws, options.signal);
    const res = await buildSync({
      root: ws.root,
      path: path.relative(root, real) || ".",
      kustomize: await createKustomize(),
      ...(options.targetNamespace ? { targetNamespace: options.targetNamespace } : {}),
      ...(options.owner ? { owner: options.owner } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    return res.objects;
  } finally {
    await ws.dispose();
  }
}

/**
 * Builds the directory of a command's parsed {@link buildFlags} (`--path` relative to the working
 * directory), labelled for `owner`'s sync when given, as {@link buildLocal}.
 */
export async function buildFromFlags(values: { path: string; "target-namespace"?: string | undefined }, io: CliIO, owner?: { sync: string; namespace: string }): Promise<KubeObject[]> {
  return buildLocal(path.resolve(io.cwd, values.path), {
    signal: io.signal,
    ...(values["target-namespace"] ? { targetNamespace: values["target-namespace"] } : {}),
    ...(owner ? { owner } : {}),
  });
}

/** Runs `slipway build`. */
export const run: CommandRun = async (args: string[], io: CliIO): Promise<number> => {
  const parsed = parseFlags(
    io,
    args,
    USAGE,
    {
      ...buildFlags,
      help: { type: "boolean", short: "h" },
    },
    ({ values, positionals }) => {
      noPositionals(positionals, "give the directory with --path");
      return values;
    },
  );
  if (!parsed.ok) return parsed.exit;
  const values = parsed.flags;
  const objects = await buildFromFlags(values, io);
  io.stdout(renderManifests(objects));
  return 0;
};

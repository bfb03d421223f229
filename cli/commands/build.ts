/**
 * `slipway build --path DIR [--target-namespace NS]`: prints the YAML stream the agent would
 * apply for DIR — `.sourceignore` honoured, a kustomization generated when DIR has none, remote
 * bases refused, paths kept inside the repository (the git work tree holding DIR, else DIR).
 * On stderr it lists the GitRepository and Kustomization objects the agent would run as sources
 * and syncs (not applied) and the objects it skips (Flux's install, image automation), each with why.
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
import { objectId, type KubeObject } from "../../agent/kube/kube-object.ts";
import type { SkippedObject } from "../../agent/build/build-sync.ts";
import { locateFluxObjects, type ObjectOrigin } from "../../agent/flux/flux-origins.ts";
import { isFluxKustomization, isGitRepository } from "../../agent/flux/flux-objects.ts";
import { readGitRepository, readKustomization, specIssueText } from "../../agent/flux/flux-specs.ts";
import { splitKey } from "../../agent/flux/sync-key.ts";
import { describeRef } from "../../agent/config/agent-config.ts";
import { defaultAgentNamespace } from "../../core/well-known.ts";
import { formatDuration } from "../../core/duration.ts";
import type { CliIO, CommandRun } from "../io.ts";

/** `--path DIR` (default ".") and `--target-namespace NS`: the flags of every command that builds a directory as the agent would. */
export const buildFlags = { path: { type: "string", default: "." }, "target-namespace": { type: "string" } } as const;

/** The usage lines of {@link buildFlags}, descriptions at column 27 from the flag. */
export const buildFlagsUsage = `  --path DIR                 directory to build (default ".")
  --target-namespace NS      set this namespace on every namespaced object
`;

const USAGE = `Usage: slipway build --path DIR [--target-namespace NS]

Prints the objects the agent would apply for DIR, as a YAML stream. On stderr: the
GitRepository and Kustomization objects the agent runs as sources and syncs instead of
applying them, and the objects it skips (Flux's install, image automation), with why.

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
  return (await buildLocalReport(dir, options)).objects;
}

/** What a local build found besides the objects to apply: Flux's sync objects (with where they are written) and what it skipped. */
export interface LocalBuild {
  objects: KubeObject[];
  fluxObjects: KubeObject[];
  origins: Map<string, ObjectOrigin>;
  skipped: SkippedObject[];
}

/** Builds `dir` as {@link buildLocal} does, keeping Flux's objects and the skipped ones. */
export async function buildLocalReport(dir: string, options: { targetNamespace?: string; owner?: { sync: string; namespace: string }; signal?: AbortSignal }): Promise<LocalBuild> {
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
    const origins = await locateFluxObjects(ws.root, res.fluxObjects, options.signal);
    return { objects: res.objects, fluxObjects: res.fluxObjects, origins, skipped: res.skipped };
  } finally {
    await ws.dispose();
  }
}

/**
 * The lines `slipway build` writes on stderr: each GitRepository and Kustomization the agent would
 * run as a source or sync (with its file:line and settings, or why it cannot run), then each
 * object left out with the reason. Pure.
 */
export function buildReportLines(build: Pick<LocalBuild, "fluxObjects" | "origins" | "skipped">, agentNamespace = defaultAgentNamespace): string[] {
  const lines: string[] = [];
  const at = (obj: KubeObject): string => {
    const o = build.origins.get(objectId(obj));
    return o ? ` (${o.file}:${o.line})` : "";
  };
  const id = (obj: KubeObject): string => `${obj.kind}/${obj.metadata.namespace ?? "default"}/${obj.metadata.name}`;
  for (const obj of build.fluxObjects.filter(isGitRepository)) {
    const r = readGitRepository(obj, agentNamespace);
    lines.push(`source ${id(obj)}${at(obj)}: ${r.ok ? `${r.value.url} ${describeRef(r.value.ref)}, every ${formatDuration(r.value.intervalMs)}` : `cannot run: ${r.errors.map(specIssueText).join("; ")}`}`);
  }
  for (const obj of build.fluxObjects.filter(isFluxKustomization)) {
    const r = readKustomization(obj, agentNamespace);
    const src = (key: string): string => {
      const k = splitKey(key, agentNamespace);
      return `GitRepository/${k.namespace}/${k.name}`;
    };
    lines.push(`sync ${id(obj)}${at(obj)}: ${r.ok ? `${r.value.path} of ${src(r.value.sourceRef)}, every ${formatDuration(r.value.intervalMs)}, prune ${r.value.prune ? "on" : "off"}` : `cannot run: ${r.errors.map(specIssueText).join("; ")}`}`);
  }
  for (const sk of build.skipped) lines.push(`skipped ${sk.id}: ${sk.reason}`);
  return lines;
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
  const build = await buildLocalReport(path.resolve(io.cwd, values.path), {
    signal: io.signal,
    ...(values["target-namespace"] ? { targetNamespace: values["target-namespace"] } : {}),
  });
  // What the agent runs itself or leaves out, for people (stdout stays the stream to apply).
  for (const line of buildReportLines(build)) io.stderr(`${line}\n`);
  io.stdout(renderManifests(build.objects));
  return 0;
};

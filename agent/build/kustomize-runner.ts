/**
 * Running `kustomize build`: the standalone `kustomize` binary when it is on PATH, otherwise
 * `kubectl kustomize`, always with the root-only load restrictor (a kustomization may not read
 * files outside its own directory tree) and with `helmCharts` enabled (`--enable-helm`, run by
 * the agent's helm).
 *
 * A hostile repository cannot take the agent down through kustomize: before it runs, every YAML
 * file it could read is checked for alias bombs (refused naming file:line), and it runs with a
 * time limit, a memory limit (its resident memory is watched; GOMEMLIMIT asks Go's collector to
 * stay below it) and an output size limit, each of which fails the build with a message.
 */
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { run } from "../../core/exec.ts";
import { SlipwayError } from "../../core/errors.ts";
import { checkYamlAliases, checkYamlEncoding } from "../../core/yaml-guard.ts";

/** Builds a kustomization directory into a YAML stream. */
export interface Kustomize {
  /**
   * `kustomize build DIR`; throws a SlipwayError carrying kustomize's own message, with paths
   * below `displayRoot` (when given) shown relative to it.
   */
  build(dir: string, signal?: AbortSignal, displayRoot?: string): Promise<string>;
  /** The command line used, e.g. `kubectl kustomize`. */
  readonly command: string;
  /**
   * The command and, when detected, the program's version (`kustomize build v5.6.0`): what a
   * kept build (agent/build/build-cache.ts) was made with.
   */
  readonly identity: string;
}

/** Options for {@link createKustomize}. */
export interface KustomizeOptions {
  /** Force a program: `kustomize` or `kubectl`. Default: `kustomize` when it runs, else `kubectl`. */
  program?: "kustomize" | "kubectl";
  /** Longest one build may run, ms. Default 120000. */
  timeoutMs?: number;
  /** Most resident memory kustomize may use, bytes. Default 384 MiB (the agent's limit is 512 MiB). */
  maxMemoryBytes?: number;
  /** Largest output (the YAML stream) accepted, bytes. Default 64 MiB. */
  maxOutputBytes?: number;
}

const isYamlName = (name: string): boolean => name.endsWith(".yaml") || name.endsWith(".yml") || name === "Kustomization";

/**
 * Checks every YAML file under `dir` (`.git` skipped, symlinks not followed) for alias bombs and
 * a UTF-16 encoding,
 * naming the file relative to `displayRoot` when given.
 */
export async function checkTreeAliases(dir: string, displayRoot?: string, signal?: AbortSignal): Promise<void> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  for (const e of entries) {
    if (!e.isFile() || !isYamlName(e.name)) continue;
    const full = path.join(e.parentPath, e.name);
    const rel = path.relative(displayRoot ?? dir, full);
    if (rel.split(path.sep).includes(".git")) continue;
    signal?.throwIfAborted();
    const text = await readFile(full, "utf8");
    checkYamlEncoding(text, rel);
    checkYamlAliases(text, rel);
  }
}

let detected: Promise<{ program: "kustomize" | "kubectl"; version?: string }> | undefined;

async function detect(): Promise<{ program: "kustomize" | "kubectl"; version?: string }> {
  try {
    const version = (await run("kustomize", ["version"])).stdout.trim().split("\n")[0];
    return { program: "kustomize", ...(version ? { version } : {}) };
  } catch {
    return { program: "kubectl" };
  }
}

/** Creates the runner, detecting the program once per process. */
export async function createKustomize(options: KustomizeOptions = {}): Promise<Kustomize> {
  const found = options.program === undefined || options.program === "kustomize" ? await (detected ??= detect()) : undefined;
  const program = options.program ?? found?.program ?? "kubectl";
  const version = found?.program === program ? found.version : undefined;
  const prefix = program === "kustomize" ? ["build"] : ["kustomize"];
  const maxMemoryBytes = options.maxMemoryBytes ?? 384 * 2 ** 20;
  const limits = { timeoutMs: options.timeoutMs ?? 120_000, maxMemoryBytes, maxOutputBytes: options.maxOutputBytes ?? 64 * 2 ** 20 };
  return {
    command: `${program} ${prefix[0]}`,
    identity: `${program} ${prefix[0]}${version ? ` ${version}` : ""}`,
    async build(dir, signal, displayRoot) {
      await checkTreeAliases(displayRoot ?? dir, displayRoot, signal);
      if (displayRoot && path.relative(displayRoot, dir).startsWith("..")) await checkTreeAliases(dir, undefined, signal);
      try {
        const env = { ...process.env, KUSTOMIZE_PLUGIN_HOME: "/nonexistent", GOMEMLIMIT: String(Math.floor(maxMemoryBytes * 0.75)) };
        // helmCharts: kustomize runs the agent's helm (`$SLIPWAY_HELM`, else helm on PATH).
        const helmArgs = ["--enable-helm", "--helm-command", process.env.SLIPWAY_HELM || "helm"];
        const res = await run(program, [...prefix, dir, "--load-restrictor", "LoadRestrictionsRootOnly", ...helmArgs], { signal, env, ...limits });
        return res.stdout;
      } catch (err) {
        signal?.throwIfAborted();
        let msg = cleanKustomizeError(err instanceof Error ? err.message : String(err));
        if (displayRoot) msg = msg.split(displayRoot + "/").join("").split(displayRoot).join(".");
        throw new SlipwayError("kustomize build", msg, { cause: err });
      }
    },
  };
}

/** Reduces kustomize's (or kubectl's klog-wrapped) failure text to its message. Pure. */
export function cleanKustomizeError(text: string): string {
  let msg = text.replace(/^.*?: exited with \d+: /s, "").replace(/^.*?LoadRestrictionsRootOnly(?: --enable-helm --helm-command \S+)?: (?=timed out|used more|wrote more)/s, "kustomize ");
  const klog = /"command failed" err="((?:[^"\\]|\\.)*)"/s.exec(msg);
  if (klog?.[1] !== undefined) msg = klog[1].replace(/\\(["'\\])/g, "$1");
  return msg.replace(/^(Error|error): /, "").trim();
}

/**
 * Running `kustomize build`: the standalone `kustomize` binary when it is on PATH, otherwise
 * `kubectl kustomize`, always with the root-only load restrictor (a kustomization may not read
 * files outside its own directory tree).
 */
import { run } from "../../core/exec.ts";
import { SlipwayError } from "../../core/errors.ts";

/** Builds a kustomization directory into a YAML stream. */
export interface Kustomize {
  /**
   * `kustomize build DIR`; throws a SlipwayError carrying kustomize's own message, with paths
   * below `displayRoot` (when given) shown relative to it.
   */
  build(dir: string, signal?: AbortSignal, displayRoot?: string): Promise<string>;
  /** The command line used, e.g. `kubectl kustomize`. */
  readonly command: string;
}

/** Options for {@link createKustomize}. */
export interface KustomizeOptions {
  /** Force a program: `kustomize` or `kubectl`. Default: `kustomize` when it runs, else `kubectl`. */
  program?: "kustomize" | "kubectl";
}

let detected: Promise<"kustomize" | "kubectl"> | undefined;

async function detect(): Promise<"kustomize" | "kubectl"> {
  try {
    await run("kustomize", ["version"]);
    return "kustomize";
  } catch {
    return "kubectl";
  }
}

/** Creates the runner, detecting the program once per process. */
export async function createKustomize(options: KustomizeOptions = {}): Promise<Kustomize> {
  const program = options.program ?? (await (detected ??= detect()));
  const prefix = program === "kustomize" ? ["build"] : ["kustomize"];
  return {
    command: `${program} ${prefix[0]}`,
    async build(dir, signal, displayRoot) {
      try {
        const res = await run(program, [...prefix, dir, "--load-restrictor", "LoadRestrictionsRootOnly"], { signal, env: { ...process.env, KUSTOMIZE_PLUGIN_HOME: "/nonexistent" } });
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
  let msg = text.replace(/^.*?: exited with \d+: /s, "");
  const klog = /"command failed" err="((?:[^"\\]|\\.)*)"/s.exec(msg);
  if (klog?.[1] !== undefined) msg = klog[1].replace(/\\(["'\\])/g, "$1");
  return msg.replace(/^(Error|error): /, "").trim();
}

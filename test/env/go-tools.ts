/**
 * The `helm`, `sops` and `age-keygen` programs the Helm and SOPS tests run, built once from the Go module proxy
 * (`go install MODULE/cmd/NAME@VERSION`, pinned) into `<cacheDir>/<name>/<version>/<name>`, the
 * version being the cache key. Nothing builds them at `testenv up`: the tests that need one call
 * {@link ensureGoTool} (or {@link openGoTool}, which says why they skip instead), and the first
 * call takes minutes on a small machine; later calls return the cached path at once. Every tool
 * is built with `-trimpath -ldflags "-s -w …"` (no symbol table or DWARF: helm and sops ship in
 * the agent image), and a change of those flags rebuilds it once.
 */
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { spawn } from "node:child_process";
import path from "node:path";
import { SlipwayError } from "../../core/errors.ts";
import { findProgram } from "./apt.ts";
import { withLock } from "./lock.ts";
import { defaultOracleCacheDir } from "./oracle.ts";

/** One pinned Go program. */
export interface GoTool {
  /** The program's name, also its cache directory. */
  name: string;
  /** The package to `go install`. */
  pkg: string;
  /** The pinned module version (a tag). */
  version: string;
  /** `-ldflags` to build with (the version stamp the program reports). */
  ldflags: string;
}

/** Helm 3, pinned; the agent's image ships the same version. */
export const helmTool: GoTool = {
  name: "helm",
  pkg: "helm.sh/helm/v3/cmd/helm",
  version: "v3.21.4",
  ldflags: "-s -w -X helm.sh/helm/v3/internal/version.version=v3.21.4",
};

/** SOPS 3, pinned; the agent's image ships the same version. */
export const sopsTool: GoTool = {
  name: "sops",
  pkg: "github.com/getsops/sops/v3/cmd/sops",
  version: "v3.13.3",
  ldflags: "-s -w",
};

/** age-keygen, pinned: the SOPS tests make their age key pairs with it (the agent never runs it). */
export const ageKeygenTool: GoTool = {
  name: "age-keygen",
  pkg: "filippo.io/age/cmd/age-keygen",
  version: "v1.3.1",
  ldflags: "-s -w",
};

/** Where `tool` is (or will be) cached under `cacheDir`. Pure. */
export function goToolPath(tool: GoTool, cacheDir = defaultOracleCacheDir()): string {
  return path.join(cacheDir, tool.name, tool.version, tool.name);
}

function goProgram(): string | undefined {
  return findProgram("go") ?? (existsSync("/usr/local/go/bin/go") ? "/usr/local/go/bin/go" : undefined);
}

/** The `go install` flags `tool` is built with: no local paths, no symbol table or DWARF (`-s -w` in every tool's ldflags). */
function goBuildFlags(tool: GoTool): string[] {
  return ["-trimpath", "-ldflags", tool.ldflags];
}

function buildFlags(tool: GoTool): string {
  return `${JSON.stringify(goBuildFlags(tool))}\n`;
}

function flagsFile(bin: string): string {
  return `${bin}.build-flags`;
}

/**
 * Whether the cached binary was built with the current flags: the flags are part of the cache
 * key through `<bin>.build-flags`, written at each build, so that a change of them rebuilds once.
 * A binary without that file predates it and was built with these same flags (go-tools.ts has
 * always passed them); it gets the file instead of a rebuild.
 */
function upToDate(bin: string, tool: GoTool): boolean {
  if (!existsSync(bin)) return false;
  const stamp = flagsFile(bin);
  if (!existsSync(stamp)) {
    writeFileSync(stamp, buildFlags(tool));
    return true;
  }
  return readFileSync(stamp, "utf8") === buildFlags(tool);
}

/** Path of the cached binary of `tool`, built when missing or built with other flags. Throws naming the build log on failure. */
export async function ensureGoTool(tool: GoTool, options: { cacheDir?: string; signal?: AbortSignal } = {}): Promise<string> {
  const cacheDir = options.cacheDir ?? defaultOracleCacheDir();
  const bin = goToolPath(tool, cacheDir);
  if (upToDate(bin, tool)) return bin;
  const go = goProgram();
  if (!go) throw new SlipwayError(tool.name, `the Go toolchain is needed once to build ${tool.pkg}@${tool.version}; install it from https://go.dev/dl/ and put it on PATH`);
  const dir = path.dirname(bin);
  mkdirSync(dir, { recursive: true });
  const signal = options.signal ?? AbortSignal.timeout(20 * 60_000);
  return withLock(path.join(dir, ".lock"), signal, async () => {
    if (upToDate(bin, tool)) return bin;
    const logFile = path.join(dir, "build.log");
    const gobin = path.join(dir, `.gobin-${process.pid}`);
    const fd = openSync(logFile, "a");
    try {
      const code = await new Promise<number>((resolve, reject) => {
        const args = ["install", ...goBuildFlags(tool), `${tool.pkg}@${tool.version}`];
        const child = spawn(go, args, { cwd: dir, stdio: ["ignore", fd, fd], signal, env: { ...process.env, CGO_ENABLED: "0", GOBIN: gobin, GOFLAGS: "-buildvcs=false" } });
        child.on("error", reject);
        child.on("close", (c) => resolve(c ?? 1));
      });
      if (code !== 0) throw new SlipwayError(`${tool.name}-build`, `\`go install ${tool.pkg}@${tool.version}\` exited with ${code}; log: ${logFile}`);
      renameSync(path.join(gobin, tool.name), bin);
      writeFileSync(flagsFile(bin), buildFlags(tool));
    } finally {
      closeSync(fd);
      rmSync(gobin, { recursive: true, force: true });
    }
    return bin;
  });
}

/** A tool for a test file, or why its tests skip. */
export type GoToolOrSkip = { bin: string; skip?: undefined } | { bin?: undefined; skip: string };

/**
 * For an integration test file: the cached (or freshly built) binary, or why the file skips: a
 * unit-only run, or no Go toolchain and no cached binary.
 */
export async function openGoTool(tool: GoTool): Promise<GoToolOrSkip> {
  if (process.env.SLIPWAY_UNIT_ONLY === "1") return { skip: `needs ${tool.name} (unit-only run)` };
  if (!existsSync(goToolPath(tool)) && !goProgram()) return { skip: `needs ${tool.name}: no Go toolchain to build ${tool.pkg}@${tool.version}` };
  return { bin: await ensureGoTool(tool) };
}

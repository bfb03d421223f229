/**
 * The Kubernetes binaries of the test environment (kube-apiserver, kube-controller-manager,
 * kube-scheduler, kwok), built from the Go wrapper module in test/env/kube at the release its
 * go.mod pins, and cached outside the repository in `<cacheDir>/<version>/`. A stamp file (a hash
 * of go.mod, go.sum and the build flags) makes the build run again only when the pin changes.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync, openSync, closeSync } from "node:fs";
import path from "node:path";
import { spawn } from "node:child_process";
import { SlipwayError } from "../../core/errors.ts";
import { findProgram } from "./apt.ts";
import { formatCommandLine } from "./processes.ts";

/** Paths of the built binaries. */
export interface KubeBinaries {
  /** Kubernetes version, e.g. v1.33.13. */
  version: string;
  dir: string;
  apiserver: string;
  controllerManager: string;
  scheduler: string;
  kwok: string;
}

/** The packages built, in the order of {@link KubeBinaries}' program fields. */
const packages = [
  "k8s.io/kubernetes/cmd/kube-apiserver",
  "k8s.io/kubernetes/cmd/kube-controller-manager",
  "k8s.io/kubernetes/cmd/kube-scheduler",
  "sigs.k8s.io/kwok/cmd/kwok",
];

/** Reads the pinned `k8s.io/kubernetes` version from the wrapper module's go.mod text. */
export function pinnedKubeVersion(goMod: string, file = "go.mod"): string {
  const m = /^\s*k8s\.io\/kubernetes\s+(v\d+\.\d+\.\d+)\s*$/m.exec(goMod);
  if (!m?.[1]) throw new SlipwayError(file, "no `k8s.io/kubernetes vX.Y.Z` requirement");
  return m[1];
}

/** The `-ldflags` value that stamps the version into the binaries (as the release build does). */
export function versionLdflags(version: string): string {
  const m = /^v(\d+)\.(\d+)\./.exec(version);
  const major = m?.[1] ?? "1";
  const minor = m?.[2] ?? "0";
  return [
    "-s -w",
    `-X k8s.io/component-base/version.gitVersion=${version}`,
    `-X k8s.io/component-base/version.gitMajor=${major}`,
    `-X k8s.io/component-base/version.gitMinor=${minor}`,
    `-X k8s.io/client-go/pkg/version.gitVersion=${version}`,
    "-X k8s.io/component-base/version.gitTreeState=clean",
  ].join(" ");
}

/** Options for {@link ensureKubeBinaries}. */
export interface KubeBinariesOptions {
  /** The wrapper module directory (test/env/kube). */
  moduleDir: string;
  /** Cache root; binaries go to `<cacheDir>/<version>/`. */
  cacheDir: string;
  /** Where the build output goes. */
  logFile: string;
  signal?: AbortSignal;
  log?: (line: string) => void;
}

/** Returns the Go toolchain's path, or throws saying how to install it. */
function goProgram(): string {
  const go = findProgram("go") ?? (existsSync("/usr/local/go/bin/go") ? "/usr/local/go/bin/go" : undefined);
  if (!go) {
    throw new SlipwayError("go", "the Go toolchain (1.24 or newer) is needed once to build the Kubernetes control plane; install it from https://go.dev/dl/ and put it on PATH");
  }
  return go;
}

/** Builds the binaries when the cache has none for the pinned version, and returns their paths. */
export async function ensureKubeBinaries(options: KubeBinariesOptions): Promise<KubeBinaries> {
  const goModFile = path.join(options.moduleDir, "go.mod");
  const goMod = readFileSync(goModFile, "utf8");
  const goSum = existsSync(path.join(options.moduleDir, "go.sum")) ? readFileSync(path.join(options.moduleDir, "go.sum"), "utf8") : "";
  const version = pinnedKubeVersion(goMod, goModFile);
  const ldflags = versionLdflags(version);
  const dir = path.join(options.cacheDir, version);
  const bins: KubeBinaries = {
    version,
    dir,
    apiserver: path.join(dir, "kube-apiserver"),
    controllerManager: path.join(dir, "kube-controller-manager"),
    scheduler: path.join(dir, "kube-scheduler"),
    kwok: path.join(dir, "kwok"),
  };
  const stamp = createHash("sha256").update(goMod).update("\0").update(goSum).update("\0").update(ldflags).digest("hex");
  const stampFile = path.join(dir, ".stamp");
  const programs = [bins.apiserver, bins.controllerManager, bins.scheduler, bins.kwok];
  if (existsSync(stampFile) && readFileSync(stampFile, "utf8").trim() === stamp && programs.every((p) => existsSync(p))) return bins;

  const go = goProgram();
  const tmp = path.join(options.cacheDir, `.build-${version}-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  const args = ["build", "-trimpath", "-ldflags", ldflags, "-o", tmp + path.sep, ...packages];
  const commandLine = `(cd ${options.moduleDir} && ${formatCommandLine(go, args)})`;
  options.log?.(`building Kubernetes ${version} once (a few minutes; log ${options.logFile})`);
  mkdirSync(path.dirname(options.logFile), { recursive: true });
  const fd = openSync(options.logFile, "a");
  const started = Date.now();
  try {
    writeFileSync(fd, `\n--- ${new Date().toISOString()} ${commandLine}\n`);
    const code = await new Promise<number>((resolve, reject) => {
      const child = spawn(go, args, { cwd: options.moduleDir, stdio: ["ignore", fd, fd], signal: options.signal });
      child.on("error", reject);
      child.on("close", (c) => resolve(c ?? 1));
    });
    if (code !== 0) throw new SlipwayError("kube-build", `\`${commandLine}\` exited with ${code}; log: ${options.logFile}`);
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    if (err instanceof SlipwayError) throw err;
    throw new SlipwayError("kube-build", `\`${commandLine}\` failed; log: ${options.logFile}`, { cause: err });
  } finally {
    closeSync(fd);
  }
  mkdirSync(dir, { recursive: true });
  for (const p of programs) renameSync(path.join(tmp, path.basename(p)), p);
  rmSync(tmp, { recursive: true, force: true });
  writeFileSync(stampFile, stamp + "\n");
  options.log?.(`built Kubernetes ${version} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  return bins;
}

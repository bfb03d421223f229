/**
 * Debian packages the test environment needs: finds which programs are missing and installs
 * their packages with apt-get (running `apt-get update` once when a package is unknown).
 */
import { accessSync, constants } from "node:fs";
import path from "node:path";
import { SlipwayError } from "../../core/errors.ts";
import { run } from "../../core/exec.ts";

/** A program the environment runs, and the Debian package that ships it. */
export interface DebianRequirement {
  /** Program name looked up on PATH (and in /usr/sbin, /sbin): `etcd`, `sshd`. */
  program: string;
  /** Debian package that installs it: `etcd-server`, `openssh-server`. */
  pkg: string;
}

/** Returns the absolute path of `program` on PATH or in the sbin directories, or undefined. */
export function findProgram(program: string, searchPath = process.env.PATH ?? ""): string | undefined {
  const dirs = [...searchPath.split(":").filter(Boolean), "/usr/local/sbin", "/usr/sbin", "/sbin"];
  for (const dir of dirs) {
    const candidate = path.join(dir, program);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      /* not here */
    }
  }
  return undefined;
}

/** The packages among `requirements` whose program is missing, without duplicates. */
export function missingPackages(requirements: readonly DebianRequirement[], find: (program: string) => string | undefined = findProgram): string[] {
  return [...new Set(requirements.filter((r) => !find(r.program)).map((r) => r.pkg))];
}

/** Options for {@link ensureDebianPackages}. */
export interface EnsurePackagesOptions {
  signal?: AbortSignal;
  /** Progress lines. Default: none. */
  log?: (line: string) => void;
}

/** How long apt-get waits for the dpkg lock that another apt-get holds, in seconds. */
const APT_LOCK_TIMEOUT_S = 600;

/**
 * Installs Debian packages with apt-get, running `apt-get update` and trying again once when the
 * first attempt fails (an unknown package on a machine with stale lists). Without root, or
 * without apt-get, throws an error that says what to install.
 */
export async function installDebianPackages(pkgs: readonly string[], options: EnsurePackagesOptions = {}): Promise<void> {
  if (pkgs.length === 0) return;
  const what = `install them with: sudo apt-get install -y ${pkgs.join(" ")}`;
  if (!findProgram("apt-get")) throw new SlipwayError("Debian packages", `${pkgs.join(", ")} needed and apt-get is not available; ${what}`);
  if (process.getuid?.() !== 0) throw new SlipwayError("Debian packages", `${pkgs.join(", ")} needed and this user is not root; ${what}`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  // Another apt-get (a second test environment starting, the machine's own updates) may hold the
  // dpkg lock: wait for it instead of failing at once.
  const lock = ["-o", `DPkg::Lock::Timeout=${APT_LOCK_TIMEOUT_S}`];
  const install = (): Promise<unknown> =>
    run("apt-get", [...lock, "install", "-y", "--no-install-recommends", ...pkgs], { env, signal: options.signal });
  options.log?.(`apt-get install ${pkgs.join(" ")}`);
  try {
    await install();
  } catch {
    options.log?.("apt-get update (the install failed; the package lists may be stale)");
    try {
      await run("apt-get", [...lock, "update"], { env, signal: options.signal });
      await install();
    } catch (err) {
      throw new SlipwayError("Debian packages", `could not install ${pkgs.join(" ")}; ${what}`, { cause: err });
    }
  }
}

/** Installs the Debian packages of every missing program, then checks the programs exist. */
export async function ensureDebianPackages(requirements: readonly DebianRequirement[], options: EnsurePackagesOptions = {}): Promise<void> {
  const missing = missingPackages(requirements);
  if (missing.length === 0) return;
  await installDebianPackages(missing, options);
  const still = requirements.filter((r) => !findProgram(r.program)).map((r) => r.program);
  if (still.length > 0) throw new SlipwayError("Debian packages", `${missing.join(" ")} installed but ${still.join(", ")} still missing`);
}

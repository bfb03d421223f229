/**
 * A throw-away docker CLI configuration directory for one CI run, so that `docker login`
 * credentials never land in `~/.docker`. Logins the user made before (inline `auths`, needed to
 * pull private base images), credential helpers, CLI plugins and buildx builders stay usable; a
 * global credential store (`credsStore`) is dropped so new logins are written to the temporary file.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import os from "node:os";
import path from "node:path";

/** A temporary DOCKER_CONFIG directory. */
export interface DockerConfigDir {
  /** The directory, for `DOCKER_CONFIG`. */
  dir: string;
  /** Environment additions for every docker call: DOCKER_CONFIG, and BUILDX_CONFIG when the user has buildx builders. */
  env: Record<string, string>;
  /** Drops a credential helper configured for `host`, so a login to it is stored in this directory. */
  forgetHelper(host: string): Promise<void>;
  /** Deletes the directory and the credentials in it. */
  remove(): Promise<void>;
}

interface DockerConfigFile {
  auths?: Record<string, { auth?: string; identitytoken?: string }>;
  credHelpers?: Record<string, string>;
  cliPluginsExtraDirs?: string[];
  [key: string]: unknown;
}

/** The docker config directory the user has: `$DOCKER_CONFIG` or `~/.docker`. */
export function userDockerConfigDir(): string {
  return process.env.DOCKER_CONFIG || path.join(os.homedir(), ".docker");
}

/** Creates a temporary docker config directory seeded from `source` (default: the user's). */
export async function createDockerConfigDir(source = userDockerConfigDir()): Promise<DockerConfigDir> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "slipway-docker-"));
  const file = path.join(dir, "config.json");
  let seed: DockerConfigFile = {};
  try {
    seed = JSON.parse(await readFile(path.join(source, "config.json"), "utf8")) as DockerConfigFile;
  } catch {
    /* no config yet */
  }
  const config: DockerConfigFile = {};
  const auths = Object.fromEntries(Object.entries(seed.auths ?? {}).filter(([, a]) => a.auth || a.identitytoken));
  if (Object.keys(auths).length > 0) config.auths = auths;
  if (seed.credHelpers) config.credHelpers = { ...seed.credHelpers };
  const plugins = path.join(source, "cli-plugins");
  config.cliPluginsExtraDirs = [...(seed.cliPluginsExtraDirs ?? []), ...(existsSync(plugins) ? [plugins] : [])];
  await writeFile(file, JSON.stringify(config, null, 2), { mode: 0o600 });
  const env: Record<string, string> = { DOCKER_CONFIG: dir };
  const buildx = path.join(source, "buildx");
  if (!process.env.BUILDX_CONFIG && existsSync(buildx)) env.BUILDX_CONFIG = buildx;
  return {
    dir,
    env,
    async forgetHelper(host) {
      if (!config.credHelpers?.[host]) return;
      delete config.credHelpers[host];
      await writeFile(file, JSON.stringify(config, null, 2), { mode: 0o600 });
    },
    async remove() {
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Test helper: the buildah settings of the local test environment (`.testenv/env`:
 * TESTENV_BUILDAH_FLAGS = `--root … --runroot … --storage-driver vfs`, chroot isolation) as
 * createBuildahBuilder options.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import type { BuildahBuilderOptions } from "../../../action/build/buildah-builder.ts";
import type { TestEnv } from "../../env/harness.ts";
import { parseEnvFile } from "../../env/harness.ts";

/** Storage and isolation options for buildah in the test environment. */
export function buildahOptions(env: TestEnv): Omit<BuildahBuilderOptions, "log"> {
  const vars = parseEnvFile(readFileSync(path.join(env.dir, "env"), "utf8"));
  const flags = (vars.TESTENV_BUILDAH_FLAGS ?? "").split(/\s+/).filter(Boolean);
  const value = (flag: string): string | undefined => {
    const i = flags.indexOf(flag);
    return i === -1 ? undefined : flags[i + 1];
  };
  return {
    root: value("--root"),
    runroot: value("--runroot"),
    storageDriver: value("--storage-driver") ?? "vfs",
    isolation: vars.BUILDAH_ISOLATION ?? "chroot",
  };
}

/** The global flags, for direct buildah calls in tests. */
export function buildahGlobalFlags(env: TestEnv): string[] {
  const o = buildahOptions(env);
  return [...(o.root ? ["--root", o.root] : []), ...(o.runroot ? ["--runroot", o.runroot] : []), "--storage-driver", o.storageDriver ?? "vfs"];
}

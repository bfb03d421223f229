/**
 * buildah (Debian package), daemonless: its storage lives under `.testenv/buildah` with the vfs
 * driver, and builds use chroot isolation. `.testenv/env` records the global flags as
 * TESTENV_BUILDAH_FLAGS (`buildah $TESTENV_BUILDAH_FLAGS bud …`) and BUILDAH_ISOLATION=chroot,
 * which buildah reads itself.
 */
import { mkdirSync } from "node:fs";
import path from "node:path";
import { run } from "../../core/exec.ts";
import { ensureDebianPackages } from "./apt.ts";
import type { Component, EnvContext } from "./component.ts";
import { unmountUnder } from "./mounts.ts";

/** The global flags every buildah command of the tests takes (no spaces inside the paths). */
export function buildahFlags(ctx: EnvContext): string[] {
  const dir = path.join(ctx.dir, "buildah");
  return ["--root", path.join(dir, "root"), "--runroot", path.join(dir, "runroot"), "--storage-driver", "vfs"];
}

/** The buildah component (nothing runs; it is healthy when buildah answers). */
export const buildah: Component = {
  name: "buildah",
  async start(ctx) {
    await ensureDebianPackages([{ program: "buildah", pkg: "buildah" }], { signal: ctx.signal, log: ctx.log });
    mkdirSync(path.join(ctx.dir, "buildah"), { recursive: true });
    await run("buildah", [...buildahFlags(ctx), "images"], { signal: ctx.signal });
  },
  async check(ctx) {
    try {
      await run("buildah", [...buildahFlags(ctx), "images", "--quiet"], { signal: ctx.signal });
      return undefined;
    } catch (err) {
      return err instanceof Error ? err.message : String(err);
    }
  },
  async stop(ctx) {
    await unmountUnder(path.join(ctx.dir, "buildah"), ctx.signal);
  },
  env: (ctx) => ({ TESTENV_BUILDAH_FLAGS: buildahFlags(ctx).join(" "), BUILDAH_ISOLATION: "chroot" }),
};

/**
 * Git over HTTP: runs git-http-bridge.ts as a daemon serving the bare repositories in
 * `.testenv/git` at `/git/` (no auth) and `/auth/` (basic auth with a generated password).
 */
import { mkdirSync } from "node:fs";
import path from "node:path";
import { ensureDebianPackages } from "./apt.ts";
import type { EnvContext } from "./component.ts";
import { daemonComponent } from "./daemon-component.ts";
import { httpProbe } from "./http-probe.ts";

/** The user accepted by `/auth/`. */
export const gitHttpUser = "slipway";

/** Directory of the bare repositories served over HTTP and SSH. */
export function gitRoot(ctx: EnvContext): string {
  return path.join(ctx.dir, "git");
}

function baseUrl(ctx: EnvContext): string {
  return `http://127.0.0.1:${ctx.recordedPort("git-http") ?? 0}`;
}

/** The git HTTP component. */
export const gitHttpServer = daemonComponent({
  name: "git-http",
  async prepare(ctx) {
    await ensureDebianPackages([{ program: "git", pkg: "git" }], { signal: ctx.signal, log: ctx.log });
    mkdirSync(gitRoot(ctx), { recursive: true });
    const port = await ctx.allocatePort("git-http");
    return {
      command: process.execPath,
      args: [path.join(import.meta.dirname, "git-http-bridge.ts"), "--port", String(port), "--root", gitRoot(ctx), "--user", gitHttpUser],
      env: { TESTENV_GIT_HTTP_PASSWORD: ctx.secret("git-http-password") },
    };
  },
  async ready(ctx) {
    return (await httpProbe(`${baseUrl(ctx)}/healthz`)).status === 200;
  },
  env: (ctx) => ({
    TESTENV_GIT_ROOT: gitRoot(ctx),
    TESTENV_GIT_HTTP_URL: `${baseUrl(ctx)}/git`,
    TESTENV_GIT_HTTP_AUTH_URL: `${baseUrl(ctx)}/auth`,
    TESTENV_GIT_HTTP_USER: gitHttpUser,
    TESTENV_GIT_HTTP_PASSWORD: ctx.secret("git-http-password"),
  }),
});

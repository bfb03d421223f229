/**
 * OCI registries: Debian `docker-registry` (distribution 2.8), storage on disk under .testenv,
 * deletion enabled. Two instances: `registry` without auth, `registry-auth` with htpasswd
 * (bcrypt, made with apache2-utils' htpasswd, the password given on stdin).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { stringify } from "yaml";
import { run } from "../../core/exec.ts";
import { ensureDebianPackages } from "./apt.ts";
import type { Component, EnvContext } from "./component.ts";
import { daemonComponent } from "./daemon-component.ts";
import { httpProbe } from "./http-probe.ts";

/** The user of the registry with auth. */
export const registryUser = "slipway";

/** The registry configuration as YAML. Pure. */
export function registryConfigYaml(options: { port: number; storageDir: string; htpasswdFile?: string }): string {
  return stringify({
    version: 0.1,
    log: { level: "info", accesslog: { disabled: false } },
    storage: {
      filesystem: { rootdirectory: options.storageDir },
      delete: { enabled: true },
      cache: { blobdescriptor: "inmemory" },
    },
    http: { addr: `127.0.0.1:${options.port}`, headers: { "X-Content-Type-Options": ["nosniff"] } },
    ...(options.htpasswdFile ? { auth: { htpasswd: { realm: "slipway-registry", path: options.htpasswdFile } } } : {}),
  });
}

/** Builds one registry component; `auth` adds htpasswd authentication. */
function ociRegistry(name: string, auth: boolean): Component {
  const host = (ctx: EnvContext): string => `127.0.0.1:${ctx.recordedPort(name) ?? 0}`;
  return daemonComponent({
    name,
    async prepare(ctx) {
      await ensureDebianPackages(
        [
          { program: "docker-registry", pkg: "docker-registry" },
          ...(auth ? [{ program: "htpasswd", pkg: "apache2-utils" }] : []),
        ],
        { signal: ctx.signal, log: ctx.log },
      );
      const dir = path.join(ctx.dir, name);
      mkdirSync(path.join(dir, "storage"), { recursive: true });
      let htpasswdFile: string | undefined;
      if (auth) {
        htpasswdFile = path.join(dir, "htpasswd");
        const { stdout } = await run("htpasswd", ["-i", "-B", "-n", registryUser], { input: ctx.secret(`${name}-password`), signal: ctx.signal });
        writeFileSync(htpasswdFile, stdout, { mode: 0o600 });
      }
      const port = await ctx.allocatePort(name);
      const config = path.join(dir, "config.yml");
      writeFileSync(config, registryConfigYaml({ port, storageDir: path.join(dir, "storage"), htpasswdFile }));
      return { command: "docker-registry", args: ["serve", config] };
    },
    async ready(ctx) {
      const res = await httpProbe(`http://${host(ctx)}/v2/`);
      return res.status === (auth ? 401 : 200);
    },
    env: (ctx): Record<string, string> =>
      auth
        ? { TESTENV_REGISTRY_AUTH: host(ctx), TESTENV_REGISTRY_USER: registryUser, TESTENV_REGISTRY_PASSWORD: ctx.secret(`${name}-password`) }
        : { TESTENV_REGISTRY: host(ctx) },
  });
}

/** The registry without authentication. */
export const registry = ociRegistry("registry", false);

/** The registry with htpasswd authentication. */
export const registryWithAuth = ociRegistry("registry-auth", true);

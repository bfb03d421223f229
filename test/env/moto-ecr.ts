/**
 * The ECR API: moto's server (`moto_server -H 127.0.0.1 -p PORT`), installed once with pip into a
 * virtualenv in the cache (`<cacheDir>/moto-<version>/`) at a pinned version. It serves the
 * repository and image APIs; image layers go to the local registry (oci-registry.ts).
 */
import { existsSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { run } from "../../core/exec.ts";
import { ensureDebianPackages, installDebianPackages } from "./apt.ts";
import type { EnvContext } from "./component.ts";
import { daemonComponent } from "./daemon-component.ts";
import { httpProbe } from "./http-probe.ts";

/** The pinned moto release. */
export const motoVersion = "5.2.5";

/** Credentials and region moto accepts (any work; these are conventional test values). */
export const motoCredentials = { region: "us-east-1", accessKeyId: "testing", secretAccessKey: "testing" } as const;

/** Installs moto into its virtualenv when missing and returns the path of `moto_server`. */
export async function ensureMoto(ctx: EnvContext): Promise<string> {
  const venv = path.join(ctx.cacheDir, `moto-${motoVersion}`);
  const server = path.join(venv, "bin", "moto_server");
  const stamp = path.join(venv, ".installed");
  if (existsSync(stamp) && existsSync(server)) return server;
  await ensureDebianPackages([{ program: "python3", pkg: "python3" }], { signal: ctx.signal, log: ctx.log });
  rmSync(venv, { recursive: true, force: true });
  try {
    await run("python3", ["-m", "venv", venv], { signal: ctx.signal });
  } catch {
    // Debian splits venv support (ensurepip) into python3-venv.
    rmSync(venv, { recursive: true, force: true });
    await installDebianPackages(["python3-venv"], { signal: ctx.signal, log: ctx.log });
    await run("python3", ["-m", "venv", venv], { signal: ctx.signal });
  }
  ctx.log(`pip install moto[server]==${motoVersion} into ${venv}`);
  await run(path.join(venv, "bin", "pip"), ["install", "--quiet", "--no-compile", "--disable-pip-version-check", `moto[server]==${motoVersion}`], { signal: ctx.signal });
  writeFileSync(stamp, `${motoVersion}\n`);
  return server;
}

function endpoint(ctx: EnvContext): string {
  return `http://127.0.0.1:${ctx.recordedPort("moto") ?? 0}`;
}

/** The moto ECR component. */
export const motoEcr = daemonComponent({
  name: "moto-ecr",
  readyTimeoutMs: 60_000,
  async prepare(ctx) {
    const server = await ensureMoto(ctx);
    const port = await ctx.allocatePort("moto");
    return {
      command: server,
      args: ["-H", "127.0.0.1", "-p", String(port)],
      env: { AWS_DEFAULT_REGION: motoCredentials.region },
    };
  },
  async ready(ctx) {
    return (await httpProbe(`${endpoint(ctx)}/moto-api/`)).status === 200;
  },
  env: (ctx) => ({
    TESTENV_ECR_ENDPOINT: endpoint(ctx),
    AWS_REGION: motoCredentials.region,
    AWS_ACCESS_KEY_ID: motoCredentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: motoCredentials.secretAccessKey,
  }),
});

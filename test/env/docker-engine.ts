/**
 * A Docker engine of its own: Debian `docker.io`'s dockerd with its data, exec root, pidfile and
 * socket under `.testenv/docker`, no iptables and no bridge, and an empty daemon.json (the
 * machine's /etc/docker is not read). Registries on 127.0.0.0/8 are insecure by default, so
 * pushing to the local registries needs no TLS. The storage driver is overlay2 when an overlay
 * mount works here, else vfs.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { run } from "../../core/exec.ts";
import { ensureDebianPackages } from "./apt.ts";
import type { EnvContext } from "./component.ts";
import { daemonComponent } from "./daemon-component.ts";
import { httpProbe } from "./http-probe.ts";
import { unmountUnder } from "./mounts.ts";
import { pidsWithCommandLineContaining } from "./processes.ts";

function dockerDir(ctx: EnvContext): string {
  return path.join(ctx.dir, "docker");
}

/** Path of the engine's socket. */
export function dockerSocket(ctx: EnvContext): string {
  return path.join(ctx.dir, "docker.sock");
}

/** Tries an overlay mount below `dir`; returns overlay2 when it works, else vfs. The answer is kept in `dir/storage-driver`. */
async function storageDriver(dir: string, signal: AbortSignal): Promise<"overlay2" | "vfs"> {
  const file = path.join(dir, "storage-driver");
  if (existsSync(file)) return readFileSync(file, "utf8").trim() === "overlay2" ? "overlay2" : "vfs";
  const probe = path.join(dir, "overlay-probe");
  const [lower, upper, work, merged] = ["lower", "upper", "work", "merged"].map((d) => path.join(probe, d)) as [string, string, string, string];
  for (const d of [lower, upper, work, merged]) mkdirSync(d, { recursive: true });
  let driver: "overlay2" | "vfs" = "vfs";
  try {
    await run("mount", ["-t", "overlay", "overlay", "-o", `lowerdir=${lower},upperdir=${upper},workdir=${work}`, merged], { signal });
    driver = "overlay2";
    await run("umount", [merged], { signal });
  } catch {
    /* no overlay here: vfs works everywhere */
  }
  rmSync(probe, { recursive: true, force: true });
  writeFileSync(file, `${driver}\n`);
  return driver;
}

/** The Docker engine component. */
export const dockerEngine = daemonComponent({
  name: "dockerd",
  readyTimeoutMs: 60_000,
  async prepare(ctx) {
    await ensureDebianPackages([{ program: "dockerd", pkg: "docker.io" }], { signal: ctx.signal, log: ctx.log });
    const dir = dockerDir(ctx);
    mkdirSync(dir, { recursive: true, mode: 0o711 });
    const config = path.join(dir, "daemon.json");
    writeFileSync(config, "{}\n");
    const driver = await storageDriver(dir, ctx.signal);
    rmSync(dockerSocket(ctx), { force: true });
    return {
      command: "dockerd",
      args: [
        `--config-file=${config}`,
        `--data-root=${path.join(dir, "data")}`,
        `--exec-root=${path.join(dir, "exec")}`,
        `--pidfile=${path.join(dir, "docker.pid")}`,
        `--host=unix://${dockerSocket(ctx)}`,
        "--iptables=false",
        "--ip6tables=false",
        "--bridge=none",
        `--storage-driver=${driver}`,
      ],
    };
  },
  async ready(ctx) {
    const res = await httpProbe("http://docker/_ping", { socketPath: dockerSocket(ctx) });
    return res.status === 200 && res.body === "OK";
  },
  // dockerd stops its containers (up to 15 s each by default) before it exits.
  stopGraceMs: 30_000,
  async afterStop(ctx) {
    // Container shims run in their own sessions: a SIGKILLed dockerd would leave them behind.
    for (const pid of pidsWithCommandLineContaining(path.join(dockerDir(ctx), "exec"))) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        /* already gone */
      }
    }
    await unmountUnder(dockerDir(ctx), ctx.signal);
  },
  env: (ctx) => ({ DOCKER_HOST: `unix://${dockerSocket(ctx)}` }),
});

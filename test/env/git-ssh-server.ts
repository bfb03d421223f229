/**
 * Git over SSH: Debian openssh-server's `sshd -D -f <own config>` on a high port of 127.0.0.1,
 * with its own host key, accepting only a generated client key for the current user. It writes
 * the client key and a known_hosts file under `.testenv/ssh`.
 */
import { createConnection } from "node:net";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { run } from "../../core/exec.ts";
import { ensureDebianPackages, findProgram } from "./apt.ts";
import type { EnvContext } from "./component.ts";
import { daemonComponent } from "./daemon-component.ts";
import { gitRoot } from "./git-http-server.ts";

function sshDir(ctx: EnvContext): string {
  return path.join(ctx.dir, "ssh");
}

/** The sshd_config text. Pure. */
export function sshdConfig(options: { port: number; dir: string; user: string }): string {
  return [
    `Port ${options.port}`,
    "ListenAddress 127.0.0.1",
    `HostKey ${path.join(options.dir, "host_ed25519_key")}`,
    `PidFile ${path.join(options.dir, "sshd.pid")}`,
    `AuthorizedKeysFile ${path.join(options.dir, "authorized_keys")}`,
    "PubkeyAuthentication yes",
    "PasswordAuthentication no",
    "KbdInteractiveAuthentication no",
    "PermitRootLogin prohibit-password",
    "UsePAM no",
    "StrictModes no",
    `AllowUsers ${options.user}`,
    "PrintMotd no",
    "AllowTcpForwarding no",
    "X11Forwarding no",
    "LogLevel VERBOSE",
    "",
  ].join("\n");
}

async function newKey(file: string, comment: string, signal: AbortSignal): Promise<void> {
  if (!existsSync(file)) await run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", file], { signal });
}

/** Resolves true when the server at `port` sends an SSH banner. */
function sshBanner(port: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: "127.0.0.1", port });
    socket.setTimeout(3000, () => socket.destroy(new Error("no SSH banner within 3 s")));
    socket.once("data", (d: Buffer) => {
      socket.destroy();
      resolve(d.toString("latin1").startsWith("SSH-2.0-"));
    });
    socket.once("error", reject);
  });
}

/** The git SSH component. */
export const gitSshServer = daemonComponent({
  name: "git-ssh",
  async prepare(ctx) {
    await ensureDebianPackages(
      [
        { program: "sshd", pkg: "openssh-server" },
        { program: "ssh", pkg: "openssh-client" },
        { program: "ssh-keygen", pkg: "openssh-client" },
      ],
      { signal: ctx.signal, log: ctx.log },
    );
    const dir = sshDir(ctx);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    mkdirSync(gitRoot(ctx), { recursive: true });
    // sshd refuses to start without its privilege-separation directory.
    if (process.getuid?.() === 0) mkdirSync("/run/sshd", { recursive: true, mode: 0o755 });
    await newKey(path.join(dir, "host_ed25519_key"), "slipway-testenv-host", ctx.signal);
    await newKey(path.join(dir, "client_ed25519"), "slipway-testenv-client", ctx.signal);
    writeFileSync(path.join(dir, "authorized_keys"), readFileSync(path.join(dir, "client_ed25519.pub")));
    const port = await ctx.allocatePort("git-ssh");
    const hostPub = readFileSync(path.join(dir, "host_ed25519_key.pub"), "utf8").trim().split(" ");
    writeFileSync(path.join(dir, "known_hosts"), `[127.0.0.1]:${port} ${hostPub[0]} ${hostPub[1]}\n`);
    const config = path.join(dir, "sshd_config");
    writeFileSync(config, sshdConfig({ port, dir, user: os.userInfo().username }));
    return { command: findProgram("sshd") ?? "/usr/sbin/sshd", args: ["-D", "-e", "-f", config] };
  },
  ready: (ctx) => sshBanner(ctx.recordedPort("git-ssh") ?? 0),
  env: (ctx) => ({
    TESTENV_GIT_SSH_URL: `ssh://${os.userInfo().username}@127.0.0.1:${ctx.recordedPort("git-ssh") ?? 0}${gitRoot(ctx)}`,
    TESTENV_GIT_SSH_KEY: path.join(sshDir(ctx), "client_ed25519"),
    TESTENV_GIT_SSH_KNOWN_HOSTS: path.join(sshDir(ctx), "known_hosts"),
  }),
});

/**
 * A real HTTP proxy (Debian's `tinyproxy`, installed through apt on first use and kept) for the
 * tests of the notifier's Provider `proxy`: started per test in the foreground on a free loopback
 * port with its own configuration and log file (every connection logged, CONNECT included),
 * optionally requiring Basic credentials, and stopped by pid when the test ends.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createConnection } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import type { TestContext } from "node:test";
import { ensureDebianPackages, findProgram } from "./apt.ts";
import { freePort } from "./ports.ts";

/** A running tinyproxy. */
export interface RunningProxy {
  /** `http://127.0.0.1:<port>` (without credentials). */
  url: string;
  port: number;
  /** The proxy's log so far. */
  log(): string;
}

/** Installs tinyproxy when missing, starts it on a free loopback port (with `auth`, requiring those Basic credentials) and waits until it accepts connections. */
export async function startTinyproxy(t: TestContext, options: { auth?: { user: string; password: string } } = {}): Promise<RunningProxy> {
  await ensureDebianPackages([{ program: "tinyproxy", pkg: "tinyproxy" }]);
  const dir = mkdtempSync(path.join(tmpdir(), "slipway-tinyproxy-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const port = await freePort();
  const logFile = path.join(dir, "tinyproxy.log");
  const conf = [
    `Port ${port}`,
    "Listen 127.0.0.1",
    "Timeout 60",
    `LogFile "${logFile}"`,
    "LogLevel Connect",
    "MaxClients 20",
    "Allow 127.0.0.1",
    // No ConnectPort line: CONNECT is allowed to every port (the receivers' are kernel-chosen).
    ...(options.auth ? [`BasicAuth ${options.auth.user} ${options.auth.password}`] : []),
  ].join("\n");
  const confFile = path.join(dir, "tinyproxy.conf");
  writeFileSync(confFile, conf + "\n");
  const child = spawn(findProgram("tinyproxy") ?? "tinyproxy", ["-d", "-c", confFile], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (b: Buffer) => (stderr += b.toString()));
  t.after(() => {
    if (child.exitCode === null && child.pid) process.kill(child.pid, "SIGKILL");
  });
  const log = (): string => {
    try {
      return readFileSync(logFile, "utf8");
    } catch {
      return "";
    }
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`tinyproxy exited ${child.exitCode}: ${stderr}${log()}`);
    const up = await new Promise<boolean>((resolve) => {
      const s = createConnection({ host: "127.0.0.1", port }, () => {
        s.destroy();
        resolve(true);
      });
      s.on("error", () => resolve(false));
    });
    if (up) break;
    if (Date.now() > deadline) throw new Error(`tinyproxy not listening after 30 s: ${stderr}${log()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url: `http://127.0.0.1:${port}`, port, log };
}

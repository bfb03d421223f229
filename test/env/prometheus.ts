/**
 * A real Prometheus (Debian's `prometheus` package, installed through apt on first use and kept)
 * for the tests that prove the dashboard's queries: started per test on a free loopback port
 * with its own storage directory, scraping the given targets every second, and stopped by pid
 * when the test ends.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import type { TestContext } from "node:test";
import { ensureDebianPackages, findProgram } from "./apt.ts";

/** A running Prometheus. */
export interface RunningPrometheus {
  /** `http://127.0.0.1:<port>`. */
  url: string;
  /** Runs an instant query; resolves with the result vector. */
  query(expr: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]>;
}

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

/** Installs Prometheus when missing, starts it scraping `targets` (`host:port`) every second, and waits until it is ready. */
export async function startPrometheus(t: TestContext, targets: readonly string[]): Promise<RunningPrometheus> {
  await ensureDebianPackages([{ program: "prometheus", pkg: "prometheus" }]);
  const dir = mkdtempSync(path.join(tmpdir(), "slipway-prometheus-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const config = path.join(dir, "prometheus.yml");
  writeFileSync(config, `global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n  - job_name: slipway\n    static_configs:\n      - targets: [${targets.map((x) => JSON.stringify(x)).join(", ")}]\n`);
  const port = await freePort();
  const child = spawn(findProgram("prometheus") ?? "prometheus", [`--config.file=${config}`, `--storage.tsdb.path=${path.join(dir, "data")}`, `--web.listen-address=127.0.0.1:${port}`, "--log.level=warn"], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (b: Buffer) => (stderr += b.toString()));
  t.after(() => {
    if (child.exitCode === null && child.pid) process.kill(child.pid, "SIGKILL");
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`prometheus exited ${child.exitCode}: ${stderr}`);
    const ok = await fetch(`${url}/-/ready`).then((r) => r.ok, () => false);
    if (ok) break;
    if (Date.now() > deadline) throw new Error(`prometheus not ready after 60 s: ${stderr}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    url,
    async query(expr) {
      const res = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(expr)}`);
      const body = (await res.json()) as { status: string; error?: string; data?: { resultType: string; result: { metric: Record<string, string>; value: [number, string] }[] } };
      if (body.status !== "success") throw new Error(`query ${expr}: ${body.error ?? res.status}`);
      return body.data?.result ?? [];
    },
  };
}

/**
 * The Go oracle of the differential tests (test/env/oracle): a small Go program built with the
 * libraries Flux's controllers run (Masterminds semver, fluxcd/pkg/version, Go's regexp,
 * text/template with sprig, kstatus) that answers questions as JSON lines. It is built once from
 * the Go module proxy into `<cacheDir>/oracle/<stamp>/oracle`, the stamp being a hash of go.mod,
 * go.sum and main.go, like the Kubernetes binaries; one process serves a whole test file.
 */
import { createHash } from "node:crypto";
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { SlipwayError } from "../../core/errors.ts";
import { findProgram } from "./apt.ts";
import { withLock } from "./lock.ts";

/** The oracle module (go.mod, go.sum, main.go). */
export const oracleModuleDir: string = path.resolve(import.meta.dirname, "oracle");

/** Default cache root, shared with the other test binaries. */
export function defaultOracleCacheDir(): string {
  const cacheHome = process.env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache");
  return path.join(cacheHome, "slipway", "testenv");
}

/** The stamp of the oracle's sources: a change to any of them builds it again. */
export function oracleStamp(moduleDir = oracleModuleDir): string {
  const h = createHash("sha256");
  for (const f of ["go.mod", "go.sum", "main.go"]) {
    const file = path.join(moduleDir, f);
    h.update(f).update("\0").update(existsSync(file) ? readFileSync(file) : "").update("\0");
  }
  return h.digest("hex");
}

/** Options for {@link ensureOracle}. */
export interface OracleBuildOptions {
  moduleDir?: string;
  /** Cache root; the binary goes to `<cacheDir>/oracle/<stamp>/oracle`. Default {@link defaultOracleCacheDir}. */
  cacheDir?: string;
  signal?: AbortSignal;
}

/** The Go toolchain: `go` on PATH, else the official install's path; undefined when neither exists. */
export function goProgram(): string | undefined {
  return findProgram("go") ?? (existsSync("/usr/local/go/bin/go") ? "/usr/local/go/bin/go" : undefined);
}

/** Path of the cached binary for the current sources, built when missing. Throws naming the log on failure. */
export async function ensureOracle(options: OracleBuildOptions = {}): Promise<string> {
  const moduleDir = options.moduleDir ?? oracleModuleDir;
  const cacheDir = options.cacheDir ?? defaultOracleCacheDir();
  const stamp = oracleStamp(moduleDir);
  const dir = path.join(cacheDir, "oracle", stamp.slice(0, 16));
  const bin = path.join(dir, "oracle");
  if (existsSync(bin)) return bin;
  const go = goProgram();
  if (!go) throw new SlipwayError("go", "the Go toolchain is needed once to build the test oracle; install it from https://go.dev/dl/ and put it on PATH");
  mkdirSync(path.join(cacheDir, "oracle"), { recursive: true });
  const signal = options.signal ?? AbortSignal.timeout(15 * 60_000);
  return withLock(path.join(cacheDir, "oracle", ".lock"), signal, async () => {
    if (existsSync(bin)) return bin;
    mkdirSync(dir, { recursive: true });
    const logFile = path.join(dir, "build.log");
    const tmp = `${bin}.${process.pid}.tmp`;
    const fd = openSync(logFile, "a");
    try {
      const code = await new Promise<number>((resolve, reject) => {
        const child = spawn(go, ["build", "-trimpath", "-o", tmp, "."], { cwd: moduleDir, stdio: ["ignore", fd, fd], signal, env: { ...process.env, CGO_ENABLED: "0" } });
        child.on("error", reject);
        child.on("close", (c) => resolve(c ?? 1));
      });
      if (code !== 0) throw new SlipwayError("oracle-build", `\`go build\` in ${moduleDir} exited with ${code}; log: ${logFile}`);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, bin);
    writeFileSync(path.join(dir, ".stamp"), stamp + "\n");
    return bin;
  });
}

/** One JSON answer of the oracle (see test/env/oracle/main.go for the fields of each op). */
export type OracleAnswer = Record<string, unknown>;

/** A running oracle process: queries are answered in order over one stdin/stdout pipe. */
export interface Oracle {
  /** Sends one query and resolves with its answer. */
  ask(query: Record<string, unknown>): Promise<OracleAnswer>;
  /** How many queries were answered so far. */
  readonly answered: number;
  /** Ends the process. */
  close(): Promise<void>;
}

/** Starts the oracle binary `bin`. */
export function startOracle(bin: string): Oracle {
  const child: ChildProcessWithoutNullStreams = spawn(bin, [], { stdio: ["pipe", "pipe", "pipe"] });
  const waiting: { resolve: (a: OracleAnswer) => void; reject: (e: Error) => void }[] = [];
  let buffer = "";
  let stderr = "";
  let answered = 0;
  let exited: Error | undefined;
  child.stdout.setEncoding("utf8");
  child.stdout.on("data", (chunk: string) => {
    buffer += chunk;
    let nl: number;
    while ((nl = buffer.indexOf("\n")) >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      answered++;
      waiting.shift()?.resolve(JSON.parse(line) as OracleAnswer);
    }
  });
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (chunk: string) => {
    stderr += chunk;
  });
  child.on("close", (code) => {
    exited = new Error(`oracle exited with ${String(code)}: ${stderr.trim()}`);
    for (const w of waiting.splice(0)) w.reject(exited);
  });
  return {
    ask(query) {
      if (exited) return Promise.reject(exited);
      return new Promise((resolve, reject) => {
        waiting.push({ resolve, reject });
        child.stdin.write(JSON.stringify(query) + "\n");
      });
    },
    get answered() {
      return answered;
    },
    async close() {
      if (exited) return;
      const closed = new Promise((resolve) => child.once("close", resolve));
      child.stdin.end();
      await closed;
    },
  };
}

/** An oracle for a test file, or why its tests are skipped. */
export type OracleOrSkip = { oracle: Oracle; skip?: undefined } | { oracle?: undefined; skip: string };

/**
 * For a differential test file: builds (once) and starts the oracle, or says why the file's
 * tests skip: a unit-only run (`npm test -- --unit`) or no Go toolchain and no cached binary.
 */
export async function openOracle(): Promise<OracleOrSkip> {
  if (process.env.SLIPWAY_UNIT_ONLY === "1") return { skip: "differential test against the Go oracle (unit-only run)" };
  const cached = path.join(defaultOracleCacheDir(), "oracle", oracleStamp().slice(0, 16), "oracle");
  if (!existsSync(cached) && !goProgram()) return { skip: "differential test: no Go toolchain to build the oracle (test/env/oracle)" };
  return { oracle: startOracle(await ensureOracle()) };
}

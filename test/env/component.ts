/**
 * The contract every part of the test environment (etcd, kube-apiserver, git over HTTP, …)
 * fulfils, and the context `up`, `down` and `status` hand to it: the .testenv layout, the
 * daemons, and persisted ports and secrets so that a restarted part keeps its address.
 */
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { ProcessManager } from "./processes.ts";
import { createProcessManager } from "./processes.ts";
import { freePort, isPortFree } from "./ports.ts";

/** Ports and generated secrets that survive between `up` runs (`.testenv/state.json`). */
interface PersistedState {
  ports: Record<string, number>;
  secrets: Record<string, string>;
}

/** What a component gets to work with. */
export interface EnvContext {
  /** Absolute path of the .testenv directory. */
  dir: string;
  /** Absolute path of the repository root. */
  repoRoot: string;
  /** Cache outside the repository for built or downloaded tools (`~/.cache/slipway/testenv`). */
  cacheDir: string;
  processes: ProcessManager;
  signal: AbortSignal;
  /** Progress line for people (not printed with --quiet). */
  log: (line: string) => void;
  /** The port recorded for `key`, if any (for checking a running component). */
  recordedPort(key: string): number | undefined;
  /** A port for `key` to listen on now: the recorded one when it is free, else a new free one. */
  allocatePort(key: string): Promise<number>;
  /** A random secret for `key`, generated once and then kept. */
  secret(key: string): string;
  /** Writes state.json (ports and secrets) to disk. */
  save(): void;
}

/** One part of the environment. */
export interface Component {
  /** Name shown in messages: `etcd`, `git-http`. */
  name: string;
  /** Names of components that must be healthy first; restarting one restarts this one. */
  dependsOn?: readonly string[];
  /**
   * Starts the component (it is known not to be healthy) and waits until it is ready.
   * Throws a SlipwayError naming the command and log path when it cannot start.
   */
  start(ctx: EnvContext): Promise<void>;
  /** Returns undefined when healthy, else a short reason. Must be quick (a few seconds at most). */
  check(ctx: EnvContext): Promise<string | undefined>;
  /** Stops whatever the component runs; safe when nothing runs. */
  stop(ctx: EnvContext): Promise<void>;
  /** The `.testenv/env` variables it contributes (only called when healthy). */
  env(ctx: EnvContext): Record<string, string>;
}

/** Options for {@link createEnvContext}. */
export interface EnvContextOptions {
  /** Repository root. */
  repoRoot: string;
  signal: AbortSignal;
  log: (line: string) => void;
  /** Default `$XDG_CACHE_HOME/slipway/testenv` or `~/.cache/slipway/testenv`. */
  cacheDir?: string;
}

/** Creates the context for the repository at `repoRoot`, reading `.testenv/state.json`. */
export function createEnvContext(options: EnvContextOptions): EnvContext {
  const dir = path.join(options.repoRoot, ".testenv");
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const stateFile = path.join(dir, "state.json");
  const state: PersistedState = existsSync(stateFile)
    ? (JSON.parse(readFileSync(stateFile, "utf8")) as PersistedState)
    : { ports: {}, secrets: {} };
  const cacheHome = process.env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache");
  const ctx: EnvContext = {
    dir,
    repoRoot: options.repoRoot,
    cacheDir: options.cacheDir ?? path.join(cacheHome, "slipway", "testenv"),
    processes: createProcessManager(dir),
    signal: options.signal,
    log: options.log,
    recordedPort: (key) => state.ports[key],
    async allocatePort(key) {
      const old = state.ports[key];
      const port = old !== undefined && (await isPortFree(old)) ? old : await freePort();
      state.ports[key] = port;
      ctx.save();
      return port;
    },
    secret(key) {
      let value = state.secrets[key];
      if (value === undefined) {
        value = randomBytes(12).toString("hex");
        state.secrets[key] = value;
        ctx.save();
      }
      return value;
    },
    save() {
      writeFileSync(stateFile, JSON.stringify(state, null, 2) + "\n", { mode: 0o600 });
    },
  };
  return ctx;
}

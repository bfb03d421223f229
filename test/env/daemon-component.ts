/**
 * The common shape of a component that is one daemon: prepare its files and command, start it,
 * wait until its readiness probe passes (failing early when the process dies), and stop it.
 */
import type { Component, EnvContext } from "./component.ts";
import type { DaemonSpec } from "./processes.ts";
import { waitUntil } from "./processes.ts";

/** How to run one daemon as a component. */
export interface DaemonComponentOptions {
  name: string;
  dependsOn?: readonly string[];
  /** Installs prerequisites, writes config files, allocates ports; returns what to run. */
  prepare(ctx: EnvContext): Promise<Omit<DaemonSpec, "name">>;
  /** True when the daemon serves; may throw while it does not. */
  ready(ctx: EnvContext): Promise<boolean>;
  /** How long start may wait for readiness. Default 30000 ms. */
  readyTimeoutMs?: number;
  /** Runs after the daemon is ready (e.g. creating objects in it). */
  afterReady?(ctx: EnvContext): Promise<void>;
  /** How long stop waits after SIGTERM before SIGKILL. Default 10000 ms. */
  stopGraceMs?: number;
  /** Runs after the daemon has stopped (e.g. unmounting). */
  afterStop?(ctx: EnvContext): Promise<void>;
  /** Its `.testenv/env` variables. Default none. */
  env?(ctx: EnvContext): Record<string, string>;
}

/** Builds a {@link Component} that runs one daemon under the process manager. */
export function daemonComponent(options: DaemonComponentOptions): Component {
  const component: Component = {
    name: options.name,
    dependsOn: options.dependsOn,
    async start(ctx) {
      await component.stop(ctx);
      const spec = await options.prepare(ctx);
      const rec = ctx.processes.start({ name: options.name, ...spec });
      await waitUntil(`${options.name}: \`${rec.commandLine}\` (log ${rec.logFile})`, () => options.ready(ctx), {
        timeoutMs: options.readyTimeoutMs ?? 30_000,
        signal: ctx.signal,
        alive: () => ctx.processes.running(options.name) !== undefined,
      });
      await options.afterReady?.(ctx);
    },
    async check(ctx) {
      if (!ctx.processes.running(options.name)) return "not running";
      try {
        return (await options.ready(ctx)) ? undefined : "not ready";
      } catch (err) {
        return err instanceof Error ? err.message : String(err);
      }
    },
    async stop(ctx) {
      await ctx.processes.stop(options.name, { graceMs: options.stopGraceMs });
      await options.afterStop?.(ctx);
    },
    env: (ctx) => options.env?.(ctx) ?? {},
  };
  return component;
}

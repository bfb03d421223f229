/**
 * What `up`, `down` and `status` do with a list of components, independent of the command line:
 * start in order (restarting dependents of a restarted component), stop everything on the first
 * failure with a message naming the component, its command and its log, and report health.
 */
import { existsSync, rmSync } from "node:fs";
import path from "node:path";
import { errorMessage } from "../../core/errors.ts";
import type { Component, EnvContext } from "./component.ts";
import { missingEnvKeys, writeEnvFile } from "./env-file.ts";
import { unmountUnder } from "./mounts.ts";

/** Where lifecycle messages go; `quiet` drops progress lines but never failures. */
export interface LifecycleOutput {
  /** Progress and failures (stderr). */
  say(line: string): void;
  /** The status table (stdout). */
  print(line: string): void;
  quiet: boolean;
}

/** Path of the environment file. */
export function envFilePath(ctx: EnvContext): string {
  return path.join(ctx.dir, "env");
}

/** The failure message of `component`: what failed, the command it ran and its log path. */
export function failureMessage(ctx: EnvContext, component: Component, err: unknown): string {
  const rec = ctx.processes.recorded(component.name);
  const lines = [`✗ ${component.name} did not start: ${errorMessage(err)}`];
  if (rec) lines.push(`  command: ${rec.commandLine}`);
  lines.push(`  log: ${ctx.processes.logFile(component.name)}`);
  return lines.join("\n");
}

/** Stops every component, last first, then unmounts what is left below .testenv. */
export async function stopAll(ctx: EnvContext, list: readonly Component[], out: LifecycleOutput): Promise<void> {
  for (const c of [...list].reverse()) {
    try {
      await c.stop(ctx);
    } catch (err) {
      out.say(`✗ ${c.name}: could not stop: ${errorMessage(err)}`);
    }
  }
  const left = await unmountUnder(ctx.dir, ctx.signal);
  if (left.length > 0) out.say(`✗ mounts left below ${ctx.dir}: ${left.join(", ")}`);
}

/**
 * Starts every component that is not healthy, then writes `.testenv/env`. Returns the exit code:
 * 0, or 1 after a component failed (all components are stopped then).
 */
export async function up(ctx: EnvContext, list: readonly Component[], out: LifecycleOutput): Promise<number> {
  const progress = (line: string): void => {
    if (!out.quiet) out.say(line);
  };
  const restarted = new Set<string>();
  const started = Date.now();
  for (const c of list) {
    const depRestarted = (c.dependsOn ?? []).some((d) => restarted.has(d));
    const problem = depRestarted ? "a dependency restarted" : await c.check(ctx);
    if (problem === undefined) {
      progress(`✔ ${c.name} (already running)`);
      continue;
    }
    const t0 = Date.now();
    progress(`► ${c.name}: starting (${problem})`);
    try {
      await c.start(ctx);
    } catch (err) {
      out.say(failureMessage(ctx, c, err));
      out.say("► stopping the other components");
      await stopAll(ctx, list, out);
      rmSync(envFilePath(ctx), { force: true });
      return 1;
    }
    restarted.add(c.name);
    progress(`✔ ${c.name} ready in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }
  const vars: Record<string, string> = { TESTENV_DIR: ctx.dir };
  for (const c of list) Object.assign(vars, c.env(ctx));
  writeEnvFile(envFilePath(ctx), vars);
  const missing = missingEnvKeys(vars);
  if (missing.length > 0) progress(`◎ ${envFilePath(ctx)}: no value for ${missing.join(", ")}`);
  progress(`✔ test environment up in ${((Date.now() - started) / 1000).toFixed(1)} s; ${envFilePath(ctx)} written`);
  return 0;
}

/** Stops everything and removes the environment file; `purge` deletes the whole directory. */
export async function down(ctx: EnvContext, list: readonly Component[], out: LifecycleOutput, purge = false): Promise<number> {
  await stopAll(ctx, list, out);
  rmSync(envFilePath(ctx), { force: true });
  if (purge) rmSync(ctx.dir, { recursive: true, force: true });
  if (!out.quiet) out.say(`✔ test environment down${purge ? " (purged)" : ""}`);
  return 0;
}

/** Prints one line per component; returns 0 only when all are healthy and the env file exists. */
export async function status(ctx: EnvContext, list: readonly Component[], out: LifecycleOutput): Promise<number> {
  let healthy = true;
  const width = Math.max(...list.map((c) => c.name.length));
  for (const c of list) {
    const problem = await c.check(ctx);
    if (problem !== undefined) healthy = false;
    if (!out.quiet) out.print(`${problem === undefined ? "✔" : "✗"} ${c.name.padEnd(width)}   ${problem ?? "healthy"}`);
  }
  if (!existsSync(envFilePath(ctx))) {
    healthy = false;
    if (!out.quiet) out.print(`✗ ${envFilePath(ctx)} is missing: run \`npm run testenv -- up\``);
  }
  return healthy ? 0 : 1;
}

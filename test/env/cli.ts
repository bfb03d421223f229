/**
 * The test environment command: `node test/env/cli.ts up|down|status [--quiet]`
 * (`npm run testenv -- up`).
 *
 * - `up` starts every component that is not healthy (a component whose dependency was restarted
 *   is restarted too), then writes `.testenv/env`. When one cannot start it prints which, the
 *   command and the log, stops all of them and exits 1. Running it again is harmless.
 * - `down` stops every component and unmounts whatever is left below .testenv; `--purge` also
 *   deletes .testenv (cached binaries outside the repository stay).
 * - `status` prints each component's health and exits 0 only when all are healthy.
 */
import { existsSync, rmSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { SlipwayError, errorMessage } from "../../core/errors.ts";
import type { Component, EnvContext } from "./component.ts";
import { createEnvContext } from "./component.ts";
import { components } from "./components.ts";
import { missingEnvKeys, writeEnvFile } from "./env-file.ts";
import { withLock } from "./lock.ts";
import { unmountUnder } from "./mounts.ts";

const usage = "usage: node test/env/cli.ts up|down|status [--quiet] [--purge]";

/** Prints the failure of `component` with its command line and log path. */
function reportFailure(ctx: EnvContext, component: Component, err: unknown): void {
  const rec = ctx.processes.recorded(component.name);
  const lines = [`✗ ${component.name} did not start: ${errorMessage(err)}`];
  if (rec) lines.push(`  command: ${rec.commandLine}`);
  lines.push(`  log: ${ctx.processes.logFile(component.name)}`);
  console.error(lines.join("\n"));
}

/** Stops every component, last first, then unmounts what is left below .testenv. */
async function stopAll(ctx: EnvContext, list: readonly Component[]): Promise<void> {
  for (const c of [...list].reverse()) {
    try {
      await c.stop(ctx);
    } catch (err) {
      console.error(`✗ ${c.name}: could not stop: ${errorMessage(err)}`);
    }
  }
  const left = await unmountUnder(ctx.dir, ctx.signal);
  if (left.length > 0) console.error(`✗ mounts left below ${ctx.dir}: ${left.join(", ")}`);
}

/** `up`: returns the exit code. */
async function up(ctx: EnvContext, list: readonly Component[], quiet: boolean): Promise<number> {
  const say = (line: string): void => {
    if (!quiet) console.error(line);
  };
  const restarted = new Set<string>();
  const started = Date.now();
  for (const c of list) {
    const depRestarted = (c.dependsOn ?? []).some((d) => restarted.has(d));
    const problem = depRestarted ? "a dependency restarted" : await c.check(ctx);
    if (problem === undefined) {
      say(`✔ ${c.name} (already running)`);
      continue;
    }
    const t0 = Date.now();
    say(`► ${c.name}: starting (${problem})`);
    try {
      await c.start(ctx);
    } catch (err) {
      reportFailure(ctx, c, err);
      console.error("► stopping the other components");
      await stopAll(ctx, list);
      return 1;
    }
    restarted.add(c.name);
    say(`✔ ${c.name} ready in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }
  const vars: Record<string, string> = { SLIPWAY_TESTENV_DIR: ctx.dir };
  for (const c of list) Object.assign(vars, c.env(ctx));
  const envFile = path.join(ctx.dir, "env");
  writeEnvFile(envFile, vars);
  const missing = missingEnvKeys(vars);
  if (missing.length > 0) say(`◎ ${envFile}: not provided yet: ${missing.join(", ")}`);
  say(`✔ test environment up in ${((Date.now() - started) / 1000).toFixed(1)} s; ${envFile} written`);
  return 0;
}

/** `status`: prints one line per component; returns 0 when all are healthy. */
async function status(ctx: EnvContext, list: readonly Component[], quiet: boolean): Promise<number> {
  let healthy = true;
  for (const c of list) {
    const problem = await c.check(ctx);
    if (problem !== undefined) healthy = false;
    if (!quiet) console.log(`${problem === undefined ? "✔" : "✗"} ${c.name.padEnd(24)} ${problem ?? "healthy"}`);
  }
  if (!existsSync(path.join(ctx.dir, "env"))) healthy = false;
  return healthy ? 0 : 1;
}

/** Runs the command line `argv` and returns the exit code. */
export async function main(argv: string[], signal: AbortSignal): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { quiet: { type: "boolean", default: false }, purge: { type: "boolean", default: false } },
  });
  const command = positionals[0];
  const repoRoot = path.resolve(import.meta.dirname, "..", "..");
  const ctx = createEnvContext({ repoRoot, signal, log: (l) => (values.quiet ? undefined : console.error(`  ${l}`)) });
  switch (command) {
    case "up":
      return withLock(path.join(ctx.dir, "lock"), signal, () => up(ctx, components, values.quiet));
    case "down":
      return withLock(path.join(ctx.dir, "lock"), signal, async () => {
        await stopAll(ctx, components);
        rmSync(path.join(ctx.dir, "env"), { force: true });
        if (values.purge) rmSync(ctx.dir, { recursive: true, force: true });
        if (!values.quiet) console.error("✔ test environment down");
        return 0;
      });
    case "status":
      return status(ctx, components, values.quiet);
    default:
      console.error(usage);
      return 2;
  }
}

if (import.meta.main) {
  const controller = new AbortController();
  process.on("SIGINT", () => controller.abort(new SlipwayError("testenv", "interrupted")));
  process.exitCode = await main(process.argv.slice(2), controller.signal);
}

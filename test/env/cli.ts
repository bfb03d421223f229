/**
 * The test environment command: `node test/env/cli.ts up|down|status [--quiet] [--purge]`
 * (`npm run testenv -- up`).
 *
 * - `up` starts every component that is not healthy (a component whose dependency was restarted
 *   is restarted too), then writes `.testenv/env`. When one cannot start it prints which, the
 *   command and the log, stops all of them and exits 1. Running it again is harmless.
 * - `down` stops every component and unmounts whatever is left below .testenv; `--purge` also
 *   deletes .testenv (the binaries cached outside the repository stay).
 * - `status` prints each component's health and exits 0 only when all are healthy.
 */
import path from "node:path";
import { parseArgs } from "node:util";
import { SlipwayError, errorMessage } from "../../core/errors.ts";
import { createEnvContext } from "./component.ts";
import { components } from "./components.ts";
import { down, status, up } from "./lifecycle.ts";
import type { LifecycleOutput } from "./lifecycle.ts";
import { withLock } from "./lock.ts";

const usage = "usage: node test/env/cli.ts up|down|status [--quiet] [--purge]";

/** Runs the command line `argv` and returns the exit code. */
export async function main(argv: string[], signal: AbortSignal): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { quiet: { type: "boolean", default: false }, purge: { type: "boolean", default: false } },
    });
  } catch (err) {
    console.error(`${errorMessage(err)}\n${usage}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const out: LifecycleOutput = { say: (l) => console.error(l), print: (l) => console.log(l), quiet: values.quiet };
  const repoRoot = path.resolve(import.meta.dirname, "..", "..");
  const ctx = createEnvContext({ repoRoot, signal, log: (l) => (values.quiet ? undefined : console.error(`  ${l}`)) });
  const lock = path.join(ctx.dir, "lock");
  switch (positionals[0]) {
    case "up":
      return withLock(lock, signal, () => up(ctx, components, out));
    case "down":
      return withLock(lock, signal, () => down(ctx, components, out, values.purge));
    case "status":
      return status(ctx, components, out);
    default:
      console.error(usage);
      return 2;
  }
}

if (import.meta.main) {
  const controller = new AbortController();
  process.on("SIGINT", () => controller.abort(new SlipwayError("testenv", "interrupted")));
  try {
    process.exitCode = await main(process.argv.slice(2), controller.signal);
  } catch (err) {
    console.error(`✗ ${errorMessage(err)}`);
    process.exitCode = 1;
  }
}

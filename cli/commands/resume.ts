/**
 * `slipway resume NAME [--namespace NS]`: Lets the agent reconcile sync NAME again, and asks it to
 * reconcile now (clears the `slipway.dev/suspend` annotation that `slipway suspend` set).
 */
import type { CliIO, CommandRun } from "../io.ts";
import { runSuspend } from "./suspend.ts";

/** Runs `slipway resume`. */
export const run: CommandRun = (args: string[], io: CliIO): Promise<number> => runSuspend(args, io, false);

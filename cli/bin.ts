#!/usr/bin/env node
/** The `slipway` executable: runs the CLI on this process's arguments, cancelled by SIGINT/SIGTERM. */
import { main } from "./main.ts";
import { processIO } from "./io.ts";

const controller = new AbortController();
process.once("SIGINT", () => controller.abort(new Error("interrupted")));
process.once("SIGTERM", () => controller.abort(new Error("terminated")));
process.exitCode = await main(process.argv.slice(2), processIO(controller.signal));

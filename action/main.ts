/**
 * Entry point of the GitHub Action (bundled to dist/action.js): read every input once through
 * @actions/core (the runner's `INPUT_<NAME>` variables), mask secrets, run the CI step, report
 * outputs and summary; on failure, one `::error::` line naming the input or object.
 *
 * Cancelling a job sends SIGINT first, then SIGTERM: both abort the run, which ends every
 * program it started (with their children) and removes its temporary files (the SSH key, the
 * askpass helper, clones) on the way out. Temporary files live under `RUNNER_TEMP` when the
 * runner sets it (it is emptied after each job), else the OS temp dir.
 */
import * as core from "@actions/core";
import { errorMessage } from "../core/errors.ts";
import { createLogger } from "../core/log.ts";
import { redact, registerSecret } from "../core/redact.ts";
import { ciContextFromEnv } from "./ci-context.ts";
import { parseInputs } from "./inputs.ts";
import { createGithubReporter } from "./github-reporter.ts";
import { runCi } from "./run-ci.ts";
import { runUpdate } from "./run-update.ts";

/** Runs the Action; sets the exit code through core.setFailed. Resolves after cleanup, also when cancelled. */
export async function runAction(controller = new AbortController()): Promise<void> {
  if (process.env.RUNNER_TEMP) process.env.TMPDIR = process.env.RUNNER_TEMP;
  for (const sig of ["SIGINT", "SIGTERM"] as const) {
    // `on`, not `once`: a second signal must not kill the process before its cleanup ran.
    process.on(sig, () => {
      if (!controller.signal.aborted) controller.abort(new Error(`cancelled (${sig})`));
    });
  }
  try {
    const inputs = parseInputs((name) => core.getInput(name), (secret) => core.setSecret(secret));
    const reporter = createGithubReporter();
    const log = createLogger({ format: "text", level: core.isDebug() ? "debug" : "info", write: (line) => process.stdout.write(`${line}\n`) });
    if (inputs.mode === "update") await runUpdate({ inputs, reporter, log, signal: controller.signal });
    else await runCi({ inputs, reporter, log, ci: ciContextFromEnv(process.env), signal: controller.signal });
  } catch (err) {
    core.setFailed(redact(errorMessage(err)));
  }
}

registerSecret(process.env.ACTIONS_RUNTIME_TOKEN);
const controller = new AbortController();
await runAction(controller);
// Cleanup is done; do not wait for sockets or timers a cancelled request may leave behind.
if (controller.signal.aborted) process.exit(process.exitCode ?? 1);

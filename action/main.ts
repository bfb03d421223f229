/**
 * Entry point of the GitHub Action (bundled to dist/action.js): read every input once through
 * @actions/core (the runner's `INPUT_<NAME>` variables), mask secrets, run the CI step, report
 * outputs and summary; on failure, one `::error::` line naming the input or object.
 */
import * as core from "@actions/core";
import { errorMessage } from "../core/errors.ts";
import { createLogger } from "../core/log.ts";
import { redact, registerSecret } from "../core/redact.ts";
import { ciContextFromEnv } from "./ci-context.ts";
import { parseInputs } from "./inputs.ts";
import { createGithubReporter } from "./outputs.ts";
import { runCi } from "./run-ci.ts";

/** Runs the Action; sets the exit code through core.setFailed. */
export async function runAction(): Promise<void> {
  const controller = new AbortController();
  process.once("SIGTERM", () => controller.abort(new Error("cancelled (SIGTERM)")));
  try {
    const inputs = parseInputs((name) => core.getInput(name), (secret) => core.setSecret(secret));
    const reporter = createGithubReporter();
    const log = createLogger({ format: "text", level: core.isDebug() ? "debug" : "info", write: (line) => process.stdout.write(`${line}\n`) });
    await runCi({ inputs, reporter, log, ci: ciContextFromEnv(process.env), signal: controller.signal });
  } catch (err) {
    core.setFailed(redact(errorMessage(err)));
  }
}

registerSecret(process.env.ACTIONS_RUNTIME_TOKEN);
await runAction();

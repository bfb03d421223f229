/**
 * The CI step's reporter on GitHub Actions: step outputs through @actions/core (`$GITHUB_OUTPUT`,
 * heredoc format), the `$GITHUB_STEP_SUMMARY` table of the changes, log groups per phase, masked
 * secrets. In a file of its own so that `slipway ci` (outputs.ts' file reporter) never loads
 * @actions/core and its HTTP client.
 */
import * as core from "@actions/core";
import { redact } from "../core/redact.ts";
import { outputEntries, summaryMarkdown, type CiReporter } from "./outputs.ts";

/** The GitHub Actions reporter (uses GITHUB_OUTPUT and GITHUB_STEP_SUMMARY when set). */
export function createGithubReporter(env: NodeJS.ProcessEnv = process.env): CiReporter {
  return {
    group: (name, fn) => core.group(name, fn),
    setOutputs: async (o) => {
      for (const [k, v] of outputEntries(o)) core.setOutput(k, redact(v));
    },
    summary: async (s) => {
      if (!env.GITHUB_STEP_SUMMARY) return;
      await core.summary.addRaw(summaryMarkdown(s)).write();
    },
    mask: (v) => core.setSecret(v),
  };
}

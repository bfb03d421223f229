/**
 * The whole test suite, as `npm test` and CI run it: brings up the real local infrastructure
 * (test/env) unless it is already up, runs every test file under Node's test runner, and stops
 * what it started. Static checks (typecheck, lint, dist staleness) are tests in test/project/.
 *
 * Flags: --unit       skip the infrastructure; integration tests report themselves skipped
 *        --keep-env   leave an infrastructure this run started running afterwards
 *        FILE…        run only these test files
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { parseArgs } from "node:util";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { unit: { type: "boolean", default: false }, "keep-env": { type: "boolean", default: false } },
});

const node = process.execPath;
const envFile = ".testenv/env";
let started = false;

function testenv(...args: string[]): number {
  return spawnSync(node, ["test/env/cli.ts", ...args], { stdio: "inherit" }).status ?? 1;
}

if (!values.unit) {
  const running = existsSync(envFile) && testenv("status", "--quiet") === 0;
  if (!running) {
    if (testenv("up") !== 0) {
      console.error("✗ test environment did not start; see the messages above");
      process.exit(1);
    }
    started = true;
  }
}

const files = positionals.length > 0 ? positionals : ["test/**/*.test.ts"];
const result = spawnSync(
  node,
  ["--test", "--test-concurrency=2", "--test-timeout=600000", "--test-reporter=spec", ...files],
  {
    stdio: "inherit",
    env: { ...process.env, SLIPWAY_UNIT_ONLY: values.unit ? "1" : "", SLIPWAY_TESTENV: values.unit ? "" : envFile },
  },
);

if (started && !values["keep-env"]) testenv("down");
process.exit(result.status ?? 1);

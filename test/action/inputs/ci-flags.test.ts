// `slipway ci` flags mirror the inputs: --help lists every input as a flag, and an unknown flag
// is one clear error.
import { test } from "node:test";
import assert from "node:assert/strict";
import { INPUTS, type InputDef } from "../../../action/inputs.ts";
import { runSlipway } from "../e2e/run-slipway.ts";

test("slipway ci --help lists every input as a --flag with its default", async () => {
  const r = await runSlipway(["ci", "--help"], {});
  assert.equal(r.code, 0, r.stderr);
  for (const d of Object.values(INPUTS) as InputDef<unknown>[]) {
    assert.match(r.stdout, new RegExp(`^  --${d.name} +\\S`, "m"), d.name);
    if (d.default) assert.ok(r.stdout.includes(`(default ${d.default})`), `${d.name} default shown`);
  }
  assert.match(r.stdout, /SLIPWAY_MANIFEST_REPO/);
});

test("an unknown flag is one clear usage error (exit 2, as every command's) with the usage", async () => {
  const r = await runSlipway(["ci", "--manifest-repos", "x"], {});
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^Usage: slipway ci/m);
  assert.match(r.stderr, /^✗ slipway ci: Unknown option '--manifest-repos'/m);
});

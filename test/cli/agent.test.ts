/** `slipway agent` flags and configuration errors, run as a real child process. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { runCli } from "./run-cli.ts";

test("an invalid configuration is refused before anything starts, every problem listed", async () => {
  const dir = mkdtempSync(path.join(tmpdir(), "slipway-cli-agent-"));
  const file = path.join(dir, "config.yaml");
  writeFileSync(file, "sources:\n  - name: s\n    url: ftp://x/y\n    ref: { branch: main }\nsyncs:\n  - name: a\n    sourceRef: t\n");
  const r = await runCli(["agent", "--config", file, "--once"]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, new RegExp(`✗ ${file}:3: invalid configuration \\(2 problems\\):`));
  assert.match(r.stderr, new RegExp(`${file}:3: sources\\[0\\]\\.url: "ftp://x/y" is not an https://`));
  assert.match(r.stderr, new RegExp(`${file}:7: syncs\\[0\\]\\.sourceRef: no source named "t"`));
});

test("usage errors exit 2", async () => {
  const r = await runCli(["agent"]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /✗ --config: is required/);
  assert.match(r.stderr, /Usage: slipway agent --config FILE/);
  const h = await runCli(["agent", "--help"]);
  assert.equal(h.code, 0);
  assert.match(h.stdout, /--once/);
});

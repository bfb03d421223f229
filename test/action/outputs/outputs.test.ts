import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { createFileReporter, formatEnvFile, summaryMarkdown, type CiOutputs, type CiSummary } from "../../../action/outputs.ts";
import { clearSecrets, registerSecret } from "../../../core/redact.ts";

const outputs: CiOutputs = {
  image: "r.example/shop/account:20240101000000@sha256:" + "a".repeat(64),
  tag: "20240101000000",
  digest: "sha256:" + "a".repeat(64),
  commit: "0123456789abcdef0123456789abcdef01234567",
  changedFiles: ["clusters/eks/shop/account.yaml", "clusters/eks/shop/it's.yaml"],
  pullRequestUrl: "",
};
const summary: CiSummary = {
  outputs,
  rows: [{ file: "clusters/eks/shop/account.yaml", line: 18, object: "Deployment/shop/account", oldValue: "r/a:1", newValue: "r/a:2|x", policy: "flux-system:account" }],
  branch: "main",
  dryRun: false,
  notes: ["push landed after 2 attempts (other pipelines pushed first)"],
};

test("the env file is shell-sourceable and round-trips every output, quotes included", async () => {
  const dir = await mkdtemp(path.join(tmpdir(), "slipway-out-"));
  try {
    const file = path.join(dir, "o.env");
    await writeFile(file, formatEnvFile(outputs));
    const r = spawnSync("bash", ["-c", `set -a; . ${file}; set +a; printf '%s|' "$SLIPWAY_OUTPUT_TAG" "$SLIPWAY_OUTPUT_COMMIT" "$SLIPWAY_OUTPUT_CHANGED_FILES" "$SLIPWAY_OUTPUT_PULL_REQUEST_URL" "$SLIPWAY_OUTPUT_IMAGE"`], { encoding: "utf8" });
    assert.equal(r.stdout, `${outputs.tag}|${outputs.commit}|clusters/eks/shop/account.yaml clusters/eks/shop/it's.yaml||${outputs.image}|`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("the summary is a markdown table of the changes with pipes escaped; secrets are redacted", () => {
  clearSecrets();
  registerSecret("sekrit-value-1");
  const md = summaryMarkdown({ ...summary, notes: [...summary.notes, "token sekrit-value-1"] });
  assert.match(md, /^\| clusters\/eks\/shop\/account\.yaml:18 \| Deployment\/shop\/account \| `r\/a:1` \| `r\/a:2\\\|x` \| flux-system:account \|$/m);
  assert.match(md, /^\| tag \| 20240101000000 \|$/m);
  assert.ok(!/pull-request-url/.test(md), "empty outputs are left out");
  assert.ok(md.includes("token ***") && !md.includes("sekrit-value-1"));
  clearSecrets();
});

test("the file reporter writes the env file (0600) and a readable summary", async () => {
  const dir = await mkdtemp(path.join(tmpdir(), "slipway-out-"));
  try {
    let text = "";
    const reporter = createFileReporter({ write: (s) => (text += s), envFile: path.join(dir, "o.env") });
    assert.equal(await reporter.group("Phase", async () => 7), 7);
    await reporter.setOutputs(outputs);
    await reporter.summary(summary);
    assert.match(text, /^► Phase$/m);
    assert.match(text, /^FILE\s+OBJECT\s+OLD\s+NEW$/m);
    assert.match(text, /push landed after 2 attempts/);
    assert.match(await readFile(path.join(dir, "o.env"), "utf8"), /^SLIPWAY_OUTPUT_TAG='20240101000000'$/m);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

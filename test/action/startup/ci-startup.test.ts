/**
 * `slipway ci` starts by loading only what the CI step needs: the CLI entry and the ci command
 * from source, with a module hook recording every module resolved, must not reach the AWS SDK
 * (loaded on the first ECR, CodeCommit or SQS call), @actions/core (the GitHub reporter's) or
 * the Kubernetes client. Twenty pipelines starting at once on a small runner pay for each of them.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "../../..");

test("slipway ci --help loads neither the AWS SDK, @actions/core nor the Kubernetes client", () => {
  const hook = [
    "import { registerHooks } from 'node:module';",
    "registerHooks({ resolve(specifier, context, next) { const r = next(specifier, context); process.stderr.write('resolved ' + r.url + '\\n'); return r; } });",
  ].join("\n");
  const r = spawnSync(process.execPath, ["--import", `data:text/javascript,${encodeURIComponent(hook)}`, path.join(root, "cli/bin.ts"), "ci", "--help"], { encoding: "utf8", cwd: root });
  assert.equal(r.status, 0, r.stderr);
  const loaded = r.stderr.split("\n").filter((l) => l.startsWith("resolved ")).map((l) => l.slice("resolved ".length));
  assert.ok(loaded.some((u) => u.endsWith("/cli/commands/ci.ts")), `the ci command was loaded: ${loaded.length} modules`);
  assert.ok(loaded.some((u) => u.includes("/node_modules/yaml/")), "and what it needs (yaml)");
  const heavy = loaded.filter((u) => /\/node_modules\/(@aws-sdk|@smithy|@actions|@kubernetes|undici)\//.test(u));
  assert.deepEqual(heavy, []);
});

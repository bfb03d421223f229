/** The oracle's build and cache: a stamp of its sources, one build per stamp, one process for many queries. */
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { ensureOracle, openOracle, oracleModuleDir, oracleStamp, startOracle } from "./oracle.ts";

test("the stamp changes with the oracle's sources", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "slipway-oracle-src-"));
  cpSync(oracleModuleDir, dir, { recursive: true });
  const before = oracleStamp(dir);
  assert.equal(before, oracleStamp(oracleModuleDir));
  writeFileSync(path.join(dir, "main.go"), "// changed\n", { flag: "a" });
  assert.notEqual(oracleStamp(dir), before);
});

test("built once into the cache, then reused; one process answers queries in order", { timeout: 15 * 60_000 }, async (t) => {
  const o = await openOracle();
  if (!o.oracle) {
    t.skip(o.skip);
    return;
  }
  await o.oracle.close();
  const bin = await ensureOracle();
  const mtime = statSync(bin).mtimeMs;
  assert.equal(await ensureOracle(), bin, "the cached binary is reused");
  assert.equal(statSync(bin).mtimeMs, mtime, "and not rebuilt");
  const oracle = startOracle(bin);
  t.after(() => oracle.close());
  const answers = await Promise.all([
    oracle.ask({ op: "semver", range: "^1.2", version: "v1.3.0" }),
    oracle.ask({ op: "regex", pattern: "a{1001}", input: "a" }),
    oracle.ask({ op: "kstatus", object: { apiVersion: "batch/v1", kind: "Job", metadata: { name: "j" } } }),
    oracle.ask({ op: "nope" }),
  ]);
  assert.deepEqual(answers[0], { normal: "1.3.0", parsed: true, satisfies: true });
  assert.deepEqual(answers[1], { error: "error parsing regexp: invalid repeat count: `{1001}`" });
  assert.equal(answers[2]?.status, "InProgress");
  assert.deepEqual(answers[3], { error: "unknown op nope" });
  assert.equal(oracle.answered, 4);
});

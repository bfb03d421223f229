// The env file round-trips through the harness parser and a real shell.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { run } from "../../core/exec.ts";
import { envFileText, missingEnvKeys, shellSingleQuote } from "./env-file.ts";
import { parseEnvFile, testEnvKeys } from "./harness.ts";

test("every harness key first, in order, then extras; values survive the parser and sh", async (t) => {
  const vars: Record<string, string> = {};
  for (const key of Object.values(testEnvKeys)) vars[key] = `v-${key}`;
  vars.TESTENV_GIT_HTTP_PASSWORD = "it's a $secret `x` \"y\"";
  vars.ZZ_EXTRA = "--root /a b";
  const text = envFileText(vars);
  assert.deepEqual(missingEnvKeys(vars), []);
  const keys = text.split("\n").filter((l) => /^[A-Z_]+=/.test(l)).map((l) => l.split("=")[0]);
  assert.deepEqual(keys, [...Object.values(testEnvKeys), "ZZ_EXTRA"]);
  assert.deepEqual(parseEnvFile(text), vars);

  const dir = mkdtempSync(path.join(tmpdir(), "slipway-envfile-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(path.join(dir, "env"), text);
  const { stdout } = await run("sh", ["-c", `. ${path.join(dir, "env")}; printf '%s' "$TESTENV_GIT_HTTP_PASSWORD"`]);
  assert.equal(stdout, vars.TESTENV_GIT_HTTP_PASSWORD);
});

test("missing harness keys are listed", () => {
  assert.deepEqual(missingEnvKeys({ KUBECONFIG: "/k" }).includes("DOCKER_HOST"), true);
  assert.equal(missingEnvKeys({ KUBECONFIG: "/k" }).includes("KUBECONFIG"), false);
  assert.equal(shellSingleQuote("a'b"), `'a'\\''b'`);
});

import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { checkBuildInputs, resolveDockerfile } from "../../../action/build/build-inputs.ts";

test("the Dockerfile defaults to <context>/Dockerfile; a given path is relative to the working directory", () => {
  assert.equal(resolveDockerfile("app", undefined), path.resolve("app/Dockerfile"));
  assert.equal(resolveDockerfile("app", "build/Containerfile"), path.resolve("build/Containerfile"));
});

test("a missing Dockerfile or context is an error naming the input and the path", async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "slipway-inputs-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const missing = path.join(dir, "Dockerfile");
  await assert.rejects(checkBuildInputs(dir, missing), { message: `input dockerfile: ${missing} does not exist` });
  mkdirSync(missing);
  await assert.rejects(checkBuildInputs(dir, missing), { message: `input dockerfile: ${missing} is not a file` });
  await assert.rejects(checkBuildInputs(path.join(dir, "nope"), missing), { message: `input context: ${path.join(dir, "nope")} does not exist` });
  const file = path.join(dir, "Containerfile");
  writeFileSync(file, "FROM scratch\n");
  await assert.rejects(checkBuildInputs(file, file), /input context: .* is not a directory/);
  await checkBuildInputs(dir, file);
});

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { parse } from "yaml";
import { INPUTS, envInputSource, envVarName, layeredInputSource, parseInputs, type InputDef } from "../../../action/inputs.ts";
import { clearSecrets, redact } from "../../../core/redact.ts";

const root = path.resolve(import.meta.dirname, "../../..");
const defs = Object.values(INPUTS) as InputDef<unknown>[];
const from = (values: Record<string, string>) => (name: string) => values[name];

test("action.yml lists exactly the inputs of action/inputs.ts, with the same defaults and required flags", () => {
  const doc = parse(readFileSync(path.join(root, "action.yml"), "utf8")) as {
    inputs: Record<string, { description?: string; default?: string; required?: boolean }>;
    runs: { using: string; main: string };
    outputs: Record<string, unknown>;
  };
  assert.deepEqual(Object.keys(doc.inputs), defs.map((d) => d.name));
  for (const d of defs) {
    const y = doc.inputs[d.name];
    assert.ok(y?.description && y.description.length > 10, `${d.name} is documented`);
    assert.equal(y?.default ?? "", d.default, `${d.name} default`);
    assert.equal(y?.required ?? false, d.required ?? false, `${d.name} required`);
  }
  assert.deepEqual(doc.runs, { using: "node24", main: "dist/action.js" });
  assert.deepEqual(Object.keys(doc.outputs), ["image", "tag", "digest", "commit", "changed-files", "pull-request-url", "rollout", "rollout-seconds"]);
});

test("defaults apply, values parse to their types", () => {
  const i = parseInputs(from({ image: "123456789012.dkr.ecr.ap-northeast-2.amazonaws.com/shop/account", "build-args": "A=1\nB=x=y,z\n", "extra-tags": "latest, {short-sha}\nstable", "dry-run": "TRUE", "max-attempts": "3" }));
  assert.equal(i.builder, "docker");
  assert.equal(i.tagFormat, "{timestamp}");
  assert.equal(i.context, ".");
  assert.equal(i.policyNamespace, "flux-system");
  assert.deepEqual(i.buildArgs, { A: "1", B: "x=y,z" });
  assert.deepEqual(i.extraTags, ["latest", "{short-sha}", "stable"]);
  assert.equal(i.dryRun, true);
  assert.equal(i.maxAttempts, 3);
  assert.equal(i.createRepository, false);
  assert.equal(i.scanOnPush, true);
  assert.equal(i.codecommit, "auto");
});

test("an invalid input is an error naming it, before any work", () => {
  const base = { image: "r/x" };
  const cases: [Record<string, string>, RegExp][] = [
    [{}, /^SlipwayError: input image: is required$/],
    [{ ...base, builder: "kaniko" }, /^SlipwayError: input builder: "kaniko" is not one of docker, buildah, none$/],
    [{ ...base, "dry-run": "yes" }, /^SlipwayError: input dry-run: "yes" is not a boolean/],
    [{ ...base, "max-attempts": "0" }, /^SlipwayError: input max-attempts: /],
    [{ ...base, "manifest-repo": "not a url" }, /^SlipwayError: input manifest-repo: /],
    [{ ...base, "manifest-repo": "https://u:p@github.com/a/b.git" }, /^SlipwayError: input manifest-repo: must not contain credentials/],
    [{ ...base, "build-args": "NOEQUALS" }, /^SlipwayError: input build-args: "NOEQUALS" is not KEY=value$/],
    [{ ...base, "webhook-url": "ftp://x" }, /^SlipwayError: input webhook-url: /],
    [{ ...base, "manifest-branch": "bad..name" }, /^SlipwayError: input manifest-branch: /],
    [{ ...base, "git-token": "t0ken-value", "git-password": "pw-value" }, /^SlipwayError: input git-password: conflicts with git-token/],
    [{ ...base, "git-ssh-key": "nope-not-a-key" }, /^SlipwayError: input git-ssh-key: is not a PEM/],
    [{ ...base, "pull-request": "true" }, /^SlipwayError: input pull-request: needs manifest-repo$/],
  ];
  for (const [values, re] of cases) assert.throws(() => parseInputs(from(values)), re, JSON.stringify(values));
});

test("secrets are registered with the redactor and handed to the CI system's masker", () => {
  clearSecrets();
  const masked: string[] = [];
  parseInputs(from({ image: "r/x", "git-token": "ghp_abcdefghijklmnop", "webhook-url": "http://127.0.0.1:1/hook", "webhook-token": "hook-secret-123" }), (s) => masked.push(s));
  assert.deepEqual(masked.sort(), ["ghp_abcdefghijklmnop", "hook-secret-123"]);
  assert.equal(redact("token ghp_abcdefghijklmnop and hook-secret-123"), "token *** and ***");
  clearSecrets();
});

test("SLIPWAY_<NAME> env names, and flags layered over env", () => {
  assert.equal(envVarName("manifest-repo"), "SLIPWAY_MANIFEST_REPO");
  assert.equal(envVarName("git-ssh-known-hosts"), "SLIPWAY_GIT_SSH_KNOWN_HOSTS");
  const env = { SLIPWAY_IMAGE: "r/from-env", SLIPWAY_BUILDER: "buildah", SLIPWAY_DRY_RUN: "true" };
  const i = parseInputs(layeredInputSource(from({ builder: "none", source: "v1" }), envInputSource(env)));
  assert.equal(i.image, "r/from-env");
  assert.equal(i.builder, "none", "the flag wins over the env");
  assert.equal(i.dryRun, true);
});

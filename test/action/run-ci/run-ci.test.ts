// runCi in-process with a recording reporter: phases in order, outputs once at the end, and no
// manifest commit when the image push fails after the preflight passed. Real git and registry.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createGitRepo, integration, uniqueName } from "../../env/harness.ts";
import { run } from "../../../core/exec.ts";
import { createLogger } from "../../../core/log.ts";
import { parseInputs } from "../../../action/inputs.ts";
import type { CiOutputs, CiReporter, CiSummary } from "../../../action/outputs.ts";
import { runCi } from "../../../action/run-ci.ts";
import { pushSampleImage, shopFiles } from "../e2e/shop-fixture.ts";

function recorder(): { reporter: CiReporter; events: string[]; outputs: CiOutputs[]; summaries: CiSummary[] } {
  const events: string[] = [];
  const outputs: CiOutputs[] = [];
  const summaries: CiSummary[] = [];
  return {
    events,
    outputs,
    summaries,
    reporter: {
      group: async (name, fn) => {
        events.push(`start ${name}`);
        const r = await fn();
        events.push(`end ${name}`);
        return r;
      },
      setOutputs: async (o) => void outputs.push(o),
      summary: async (s) => void summaries.push(s),
      mask: () => {},
    },
  };
}

test("phases run in order and the outputs come once, at the end", async (t) => {
  const env = integration(t);
  if (!env) return;
  const prefix = `${env.registry}/${uniqueName("runci")}`;
  const repo = await createGitRepo(env, t, { files: shopFiles({ imagePrefix: prefix, services: ["account"] }) });
  await pushSampleImage(env.registry, `${prefix}/account`.slice(env.registry.length + 1), "build");
  const rec = recorder();
  const inputs = parseInputs((n) => ({ image: `${prefix}/account:build`, builder: "none", "manifest-repo": `${env.gitHttpAuthUrl}/${repo.name}.git`, "git-username": env.gitHttpUser, "git-password": env.gitHttpPassword })[n]);
  const now = new Date(Date.UTC(2031, 0, 2, 3, 4, 5));
  const out = await runCi({ inputs, reporter: rec.reporter, log: createLogger({ level: "error" }), ci: { system: "other" }, now: () => now });
  assert.deepEqual(rec.events, ["start Check the manifest repository", "end Check the manifest repository", "start Build and push image", "end Build and push image", "start Update manifests", "end Update manifests"]);
  assert.equal(out.tag, "20310102030405");
  assert.deepEqual(rec.outputs, [out]);
  assert.equal(rec.summaries[0]?.rows.length, 1);
  assert.equal(rec.summaries[0]?.rows[0]?.newValue, `${prefix}/account:20310102030405`);
  assert.equal((await run("git", ["--git-dir", repo.bareDir, "rev-parse", "main"])).stdout.trim(), out.commit);
});

test("an image push that fails after the preflight leaves the manifests alone and sets no outputs", async (t) => {
  const env = integration(t);
  if (!env) return;
  const prefix = `${env.registry}/${uniqueName("runci")}`;
  const repo = await createGitRepo(env, t, { files: shopFiles({ imagePrefix: prefix, services: ["account"] }) });
  const head = (await run("git", ["--git-dir", repo.bareDir, "rev-parse", "main"])).stdout.trim();
  const rec = recorder();
  const inputs = parseInputs((n) => ({ image: `${prefix}/account:never-pushed`, builder: "none", "manifest-repo": `${env.gitHttpAuthUrl}/${repo.name}.git`, "git-username": env.gitHttpUser, "git-password": env.gitHttpPassword })[n]);
  await assert.rejects(runCi({ inputs, reporter: rec.reporter, log: createLogger({ level: "error" }), ci: { system: "other" } }), /never-pushed/);
  assert.deepEqual(rec.events, ["start Check the manifest repository", "end Check the manifest repository", "start Build and push image"]);
  assert.deepEqual(rec.outputs, []);
  assert.equal((await run("git", ["--git-dir", repo.bareDir, "rev-parse", "main"])).stdout.trim(), head);
});

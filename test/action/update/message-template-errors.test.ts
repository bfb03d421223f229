// A messageTemplate that Go's text/template rejects fails the update before anything is pushed,
// with Go's reason, naming the ImageUpdateAutomation, the file:line it was read from and the
// template line.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createGitRepo, integration, uniqueName } from "../../env/harness.ts";
import { run } from "../../../core/exec.ts";
import { createLogger } from "../../../core/log.ts";
import { createGitClient } from "../../../core/git/git-client.ts";
import { registryFor } from "../../../action/registry/registry-for.ts";
import { updateManifests } from "../../../action/update/update-manifests.ts";
import { pushSampleImage, shopFiles } from "../e2e/shop-fixture.ts";

test("an automation's template with a function Go does not define is refused naming the automation and its file:line", async (t) => {
  const env = integration(t);
  if (!env) return;
  const prefix = `${env.registry}/${uniqueName("tplerr")}`;
  const files = shopFiles({ imagePrefix: prefix, services: ["cart"], flux: true, fluxApiVersion: "image.toolkit.fluxcd.io/v1", automationBranch: "main" });
  const policyFile = "clusters/eks/flux-system/update-policy.yml";
  files[policyFile] = (files[policyFile] ?? "").replace("An automated update from FluxBot", "Update {{ .AutomationObject | shout }}");
  const repo = await createGitRepo(env, t, { files });
  const image = `${prefix}/cart`;
  await pushSampleImage(env.registry, image.slice(env.registry.length + 1), "20250101000000");
  const git = await createGitClient({ auth: { kind: "basic", username: env.gitHttpUser, password: env.gitHttpPassword } });
  t.after(() => git.close());
  const head = async (): Promise<string> => (await run("git", ["--git-dir", repo.bareDir, "rev-parse", "main"])).stdout.trim();
  const before = await head();
  const { registry, repository } = registryFor(image);
  await assert.rejects(
    updateManifests({ git, url: `${env.gitHttpAuthUrl}/${repo.name}.git`, pushed: { image, tag: "20250101000000" }, listTags: (s) => registry.listTags(repository, s), log: createLogger({ level: "warn" }), baseDelayMs: 20 }),
    /^SlipwayError: ImageUpdateAutomation\/flux-system\/flux-system \(clusters\/eks\/flux-system\/update-policy\.yml:\d+\) messageTemplate:1: function "shout" not defined$/,
  );
  assert.equal(await head(), before, "nothing pushed");
});
